"""Paging the entries table at scale: keyset pages (next and previous by the last and
first entry shown), jumps to any page number, 50/100/500 a page, the total; and an empty
result that says what matched nothing and how to widen it. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from html import unescape

from sync.schema import Batch
from tests.sync.server.consolekit import VIEWER, entry_fields, journal_entries, login


def _seed(storage, tmp_path, n_per_gate=130):
    # Two gates written in the same instants: equal timestamps must still page exactly once.
    for gate in ("gate-a", "gate-b"):
        storage.store([Batch("demo-site", gate, journal_entries(
            tmp_path, gate, [entry_fields(household=f"1-1-{i % 7}01") for i in range(n_per_gate)]))])


def _keys(data):
    return [(r["gate"], r["seq"]) for r in data["rows"]]


def _link(html: str, testid: str) -> str:
    m = re.search(rf'href="([^"]+)" data-testid="{testid}"', html)
    assert m, f"no {testid} link"
    return unescape(m.group(1))


def test_next_previous_and_jumps_agree_and_cover_every_entry_once(client, storage, tmp_path):
    _seed(storage, tmp_path)
    login(client, *VIEWER)
    first = client.get("/console/entries/data?size=50").get_json()
    assert (first["total"], first["pages"], first["size"]) == (260, 6, 50)

    # Following 下一页 links (keyset cursors) from the first page to the last.
    seen, html = [], client.get("/console/entries?size=50").get_data(as_text=True)
    pages_by_next = []
    while True:
        rows = re.findall(r'/console/entries/demo-site/(gate-[ab])/(\d+)"', html)
        pages_by_next.append([(g, int(s)) for g, s in rows])
        seen += pages_by_next[-1]
        if 'data-testid="page-next"' not in html:
            break
        html = client.get(_link(html, "page-next")).get_data(as_text=True)
    assert len(seen) == 260 and len(set(seen)) == 260
    assert [len(p) for p in pages_by_next] == [50, 50, 50, 50, 50, 10]

    # Each page reached by a jump (its number) holds the same entries as by 下一页.
    for n, expected in enumerate(pages_by_next, 1):
        assert _keys(client.get(f"/console/entries/data?size=50&page={n}").get_json()) == expected

    # 上一页 from page 4 (by its cursor) is page 3.
    page4 = client.get("/console/entries?size=50&page=4").get_data(as_text=True)
    prev = client.get(_link(page4, "page-prev")).get_data(as_text=True)
    assert [(g, int(s)) for g, s in re.findall(r'/console/entries/demo-site/(gate-[ab])/(\d+)"', prev)] == \
        pages_by_next[2]
    assert 'data-testid="page-current">3<' in prev


def test_page_sizes_numbers_and_the_total(client, storage, tmp_path):
    _seed(storage, tmp_path, n_per_gate=300)
    login(client, *VIEWER)
    for size, pages in ((50, 12), (100, 6), (500, 2)):
        data = client.get(f"/console/entries/data?size={size}").get_json()
        assert (data["total"], data["pages"], len(data["rows"])) == (600, pages, min(size, 600))
    # A size not offered falls back to the console's default (10 in these tests).
    assert client.get("/console/entries/data?size=7").get_json()["size"] == 10
    html = client.get("/console/entries?size=50&page=6").get_data(as_text=True)
    shown = re.findall(r'data-testid="page-(\d+)"', html)
    assert shown == ["1", "4", "5", "7", "8", "12"] and 'data-testid="page-current">6<' in html
    assert html.count('class="gap"') == 2
    # The filtered total and pages follow the filter.
    data = client.get("/console/entries/data?size=50&household=1-1-301").get_json()
    assert data["total"] == sum(1 for i in range(300) if i % 7 == 3) * 2 and data["pages"] == 2


def test_an_empty_result_says_what_matched_nothing_and_how_to_widen_it(client, storage, tmp_path):
    _seed(storage, tmp_path, n_per_gate=5)
    login(client, *VIEWER)
    html = client.get("/console/entries?gate=gate-a&decision=deny&reason=fever").get_data(as_text=True)
    assert 'data-testid="empty-state"' in html and "没有符合条件的记录" in html
    # Each filter in words, with a link that drops it and keeps the others.
    assert "结果: 禁止" in html and "原因: 发热" in html and "门岗: gate-a" in html
    widen = _link(html, "widen-decision")
    assert "decision=" not in widen and "gate=gate-a" in widen and "reason=fever" in widen
    assert client.get(_link(html, "widen-all")).status_code == 200
    assert 'data-testid="empty-state"' not in client.get("/console/entries?gate=gate-a").get_data(as_text=True)
