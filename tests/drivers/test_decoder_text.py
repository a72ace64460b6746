"""The bytes inside a code become the exact text its maker meant."""

import pytest

from drivers.decoding.text import decode_bytes, reconcile


@pytest.mark.parametrize("raw, text", [
    (b"RES-0001", "RES-0001"),
    ("住户 3-2-301 张三".encode("utf-8"), "住户 3-2-301 张三"),
    ("访客:李四 电话13800000000".encode("gb18030"), "访客:李四 电话13800000000"),
    ("北京市朝阳区 1号楼 2单元 301".encode("gb18030"), "北京市朝阳区 1号楼 2单元 301"),
    ("测试".encode("gb18030"), "测试"),
    ("Google モバイル".encode("shift_jis"), "Google モバイル"),
    ("ﾃﾞｻﾞｲﾝQR\r\nhttp://d-qr.net/ex/".encode("shift_jis"), "ﾃﾞｻﾞｲﾝQR\r\nhttp://d-qr.net/ex/"),
    ("Café Müller".encode("latin-1"), "Café Müller"),
    (b"\x01\x10AD:SUB", "\x01\x10AD:SUB"),
    (b"", ""),
])
def test_decode_bytes(raw, text):
    assert decode_bytes(raw) == text


@pytest.mark.parametrize("raw, reader_text, text", [
    # zxing-cpp read GB 18030 without an ECI as ISO-8859-1: a guess, so ours wins.
    ("张三".encode("gb18030"), "张三".encode("gb18030").decode("latin-1"), "张三"),
    # ...or as Shift_JIS with replacement characters.
    ("李四".encode("gb18030"), "\ufffd\ufffd", "李四"),
    # An ECI or a Hanzi-mode segment: the reader knew the charset; its text stands.
    (b"\xb0\xa2", "阿", "阿"),
    (b"plain", "plain", "plain"),
])
def test_reconcile(raw, reader_text, text):
    assert reconcile(raw, reader_text) == text
