"""Reading residents lists: a table of inputs and what comes out."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from sync.server.console.roster import parse_roster, read_table

H = ["building", "unit", "room", "name", "phone"]


@pytest.mark.parametrize("rows, records, errors", [
    ([H, ["3", "2", "501", "张伟", "13800000001"]],
     [("3-2-501", "张伟", "13800000001")], []),
    ([["楼栋", "单元", "房号", "姓名", "电话"], ["3", "2", "501", "张伟、李娜", "138 0000 0001"]],
     [("3-2-501", "张伟", "138 0000 0001"), ("3-2-501", "李娜", "138 0000 0001")], []),
    ([["name", "room", "unit", "building"], ["Wei", "101", "1", "A"]],
     [("A-1-101", "Wei", "")], []),
    ([H, ["3", "2", "501", "张伟", "1"], ["3", "2", "5 01", "李娜", ""]],
     [], [2, 3]),
    ([H, ["3", "2", "501", "", "13800000001"]], [], [2]),
    ([["building", "room", "name"], ["3", "501", "x"]], [], [1]),
    ([], [], [0]),
    ([H, ["3", "2", "501", "张伟", ""], ["3", "2", "501", "张伟", ""], [], ["", "", "", "", ""]],
     [("3-2-501", "张伟", "")], []),
    # An ID number in any column is refused, even where a phone number would fit.
    ([H, ["3", "2", "501", "张伟", "440304199001010011"]], [], [2]),
    ([H, ["3", "2", "501", "张伟 11010519491231002X", ""]], [], [2]),
    ([H, ["3", "2", "501", "张伟", "110105194912310021"]], [("3-2-501", "张伟", "110105194912310021")], []),
])
def test_parse_roster(rows, records, errors):
    roster = parse_roster(rows)
    assert [(f"{r['building']}-{r['unit']}-{r['room']}", r["name"], r["phone"]) for r in roster.records] == records
    assert [e[0] for e in roster.errors] == errors


def test_errors_name_the_problem():
    roster = parse_roster([H, ["3", "2", "50-1", "张伟", "call me"]])
    (row, message), = roster.errors
    assert row == 2 and "room '50-1'" in message and "phone 'call me'" in message


def test_read_csv_in_utf8_with_bom_and_gb18030():
    text = "楼栋,单元,房号,姓名,电话\n3,2,501,张伟,13800000001\n"
    for data in (("\ufeff" + text).encode("utf-8"), text.encode("gb18030")):
        assert read_table("list.csv", data)[1] == ["3", "2", "501", "张伟", "13800000001"]


def test_read_xlsx_turns_numbers_into_text():
    wb = Workbook()
    wb.active.append(H)
    wb.active.append([3, 2, 501, "张伟", 13800000001])
    buf = io.BytesIO()
    wb.save(buf)
    assert read_table("list.XLSX", buf.getvalue())[1] == ["3", "2", "501", "张伟", "13800000001"]


@pytest.mark.parametrize("name, data, message", [
    ("list.pdf", b"%PDF", ".csv or .xlsx"),
    ("list.xlsx", b"not a zip", "not a readable .xlsx"),
    ("list.csv", b"\xff\xfe\x00\x81\x30\xff", "neither UTF-8 nor GB18030"),
])
def test_read_table_rejects_what_it_cannot_read(name, data, message):
    with pytest.raises(ValueError, match=message):
        read_table(name, data)


def test_an_id_number_is_named_as_the_problem_without_repeating_it():
    (row, message), = parse_roster([H, ["3", "2", "501", "张伟", "440304199001010011"]]).errors
    assert row == 2 and "ID number" in message and "440304199001010011" not in message
