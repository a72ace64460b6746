"""The ID card readers' ctypes bindings against fake vendor SDKs built from C: the
documented calls, a scripted card, and what leaves the driver (number, masked name)."""

from __future__ import annotations

import ctypes
import queue

import pytest

from drivers.idcard.reader import IdCardReader
from drivers.idcard.sdk import SDKS, IdCardError
from drivers.state import DeviceState
from tests.waiting import wait_until

NUMBER, NAME = "11010519491231002X", "张三丰"


def _card(tmp_path, monkeypatch, family: str, number: str = NUMBER, name: str = NAME):
    path = tmp_path / "card.bin"
    path.write_bytes(number.encode() + b"\n" + name.encode("gb18030" if family == "termb" else "utf-16-le"))
    monkeypatch.setenv("FAKE_IDCARD", str(path))
    return path


@pytest.mark.parametrize("family", ["termb", "sdtapi"])
def test_a_card_on_the_reader_gives_its_number_and_a_masked_name(fake_idsdk, tmp_path, monkeypatch, family):
    lib = fake_idsdk(family)
    sdk = SDKS[family](str(lib), 1001)
    sdk.open()
    try:
        assert sdk.read() is None                       # no card yet
        _card(tmp_path, monkeypatch, family)
        card = sdk.read()
    finally:
        sdk.close()
    assert (card.number, card.name_masked) == (NUMBER, "张**")


def test_termb_is_never_asked_for_the_photo(fake_idsdk, tmp_path, monkeypatch):
    lib = fake_idsdk("termb")
    _card(tmp_path, monkeypatch, "termb")
    sdk = SDKS["termb"](str(lib), 1001)
    sdk.open()
    sdk.read()
    sdk.close()
    assert ctypes.CDLL(str(lib)).fake_photo_calls() == 0


@pytest.mark.parametrize("family", ["termb", "sdtapi"])
def test_a_wrong_port_or_library_is_an_error_in_words(fake_idsdk, tmp_path, family):
    sdk = SDKS[family](str(fake_idsdk(family)), 7)
    with pytest.raises(IdCardError, match="no reader on that port"):
        sdk.open()
    with pytest.raises(IdCardError, match="cannot load the ID card reader SDK"):
        SDKS[family](str(tmp_path / "libmissing.so"), 1001)
    other = "sdtapi" if family == "termb" else "termb"
    with pytest.raises(IdCardError, match="not the SDK this reader type expects"):
        SDKS[family](str(fake_idsdk(other)), 1001)


def test_the_reader_delivers_each_card_as_an_idcard_code(fake_idsdk, tmp_path, monkeypatch):
    lib = fake_idsdk("sdtapi")
    reader = IdCardReader("desk-id", lambda: SDKS["sdtapi"](str(lib), 1001), poll_s=0.05)
    got: queue.SimpleQueue = queue.SimpleQueue()
    reader.start(got.put)
    try:
        wait_until(lambda: reader.state == DeviceState.OK, 10, "the ID card reader open")
        _card(tmp_path, monkeypatch, "sdtapi")
        code = got.get(timeout=10)
    finally:
        reader.stop()
    assert (code.text, code.source, code.code_type, code.holder) == (NUMBER, "desk-id", "IDCARD", "张**")


def test_a_reader_that_cannot_open_shows_an_error_and_retries(fake_idsdk):
    lib = fake_idsdk("termb")
    reader = IdCardReader("desk-id", lambda: SDKS["termb"](str(lib), 3), backoff_s=(0.05, 0.1))
    reader.start(lambda code: None)
    try:
        wait_until(lambda: reader.state == DeviceState.ERROR and reader.stats()["failed_opens"] >= 2, 10,
                   "the reader shown in error and retried")
    finally:
        reader.stop()
    assert "no reader on that port" in reader.last_error
