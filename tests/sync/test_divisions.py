import pytest

from sync import divisions


def test_thirty_four_provincial_divisions_with_english_names():
    provinces = divisions.provinces()
    assert len(provinces) == 34
    assert all(p.code.endswith("0000") and p.name_en for p in provinces)
    assert {p.code: p.name for p in provinces}["440000"] == "广东省"


@pytest.mark.parametrize("code, name", [
    ("110000", "北京市"), ("310000", "上海市"), ("440300", "深圳市"), ("410100", "郑州市"),
    ("320500", "苏州市"), ("510100", "成都市"), ("222400", "延边朝鲜族自治州"), ("540600", "那曲市"),
    ("650100", "乌鲁木齐市"), ("810000", "香港特别行政区"),
])
def test_known_codes(code, name):
    assert divisions.lookup(code).name == name


def test_cities_belong_to_their_province():
    henan = divisions.cities("410000")
    assert [c.name for c in henan][:2] == ["郑州市", "开封市"]
    assert all(c.code.startswith("41") for c in henan)
    assert divisions.describe("410100") == "河南省 郑州市"
    # 莱芜 joined 济南 in 2019: no longer a choice.
    assert divisions.lookup("371200") is None


def test_a_municipality_is_its_own_city():
    assert [c.code for c in divisions.cities("110000")] == ["110000"]
    assert divisions.describe("310000") == "上海市"


def test_unknown_codes():
    assert divisions.lookup("999999") is None and divisions.describe("999999") == ""
    with pytest.raises(KeyError):
        divisions.cities("440300")


def test_every_city_has_a_province():
    table = {d["code"]: d for d in divisions.as_json()}
    assert sum(len(p["cities"]) for p in table.values()) > 330
