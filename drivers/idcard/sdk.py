"""The two documented ID-card reader SDK families, bound with ctypes and loaded only
when a reader is configured (the libraries are the vendors' own, closed, per machine).

Reading a card needs the reader's security module (SAM) and its vendor's SDK:

- 华视 (China Vision) ``termb``: ``int CVR_InitComm(int port)`` (1: open; ports 1001-1016
  are USB, 1-16 serial), ``int CVR_Authenticate(void)`` (1: a card found and selected;
  2: no card; 3: not selected; 0: not initialised), ``int CVR_Read_Content(int active)``
  (1: read; 0: failed; 99: abnormal), then ``int GetPeopleIDCode(char *buf, int *len)``
  and ``int GetPeopleName(char *buf, int *len)`` (GB 18030 text), ``int CVR_CloseComm(void)``.
- 精伦 (Jinglun) ``sdtapi``: ``int SDT_OpenPort(int port)`` (0x90: open),
  ``int SDT_StartFindIDCard(int port, unsigned char *mana, int ifopen)`` (0x9F: found),
  ``int SDT_SelectIDCard(int port, unsigned char *sn, int ifopen)`` (0x90: selected),
  ``int SDT_ReadBaseMsg(int port, unsigned char *text, unsigned int *text_len,
  unsigned char *photo, unsigned int *photo_len, int ifopen)`` (0x90: read; the text is
  256 bytes of UCS-2LE fields: name 30 bytes at 0, ..., the number 36 bytes at 122),
  ``int SDT_ClosePort(int port)``.

What leaves this module is the number and the holder's masked name (张*). The photo is
never read: termb's photo calls are not made, and sdtapi's call, which always returns
the photo's encrypted bytes with the text, gets a buffer that is zeroed at once and
never decoded. The kiosk turns the number into its keyed hash and masked form as soon
as it arrives (kiosk/credentials.py); the buffers holding it here are zeroed too.
"""

from __future__ import annotations

import abc
import ctypes
from dataclasses import dataclass


class IdCardError(RuntimeError):
    """The SDK cannot be loaded or the reader cannot be opened; said in plain words."""


@dataclass(frozen=True)
class CardText:
    number: str                 # 18 characters as printed; hashed by the kiosk at once
    name_masked: str | None     # 张*: never the whole name


def mask_name(name: str) -> str | None:
    name = name.strip().strip("\x00").strip()
    return (name[0] + "*" * max(1, min(len(name) - 1, 3))) if name else None


class IdCardSdk(abc.ABC):
    def __init__(self, library: str, port: int) -> None:
        try:
            self.lib = ctypes.CDLL(library)
        except OSError as exc:
            raise IdCardError(f"cannot load the ID card reader SDK {library}: {exc}") from None
        self.port = port
        try:
            self._bind()
        except AttributeError as exc:
            raise IdCardError(f"{library} is not the SDK this reader type expects: {exc}") from None

    @abc.abstractmethod
    def _bind(self) -> None: ...

    @abc.abstractmethod
    def open(self) -> None:
        """Open the reader; raises IdCardError."""

    @abc.abstractmethod
    def read(self) -> CardText | None:
        """The card on the reader now, or None."""

    @abc.abstractmethod
    def close(self) -> None: ...


def _fn(lib, name: str, restype, *argtypes):
    f = getattr(lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


class TermbSdk(IdCardSdk):
    """华视 termb (libtermb.so)."""

    def _bind(self) -> None:
        lib, i, ip, cp = self.lib, ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.c_char_p
        self._init = _fn(lib, "CVR_InitComm", i, i)
        self._auth = _fn(lib, "CVR_Authenticate", i)
        self._read = _fn(lib, "CVR_Read_Content", i, i)
        self._number = _fn(lib, "GetPeopleIDCode", i, cp, ip)
        self._name = _fn(lib, "GetPeopleName", i, cp, ip)
        self._close = _fn(lib, "CVR_CloseComm", i)

    def open(self) -> None:
        rc = self._init(self.port)
        if rc != 1:
            raise IdCardError(f"termb: CVR_InitComm({self.port}) returned {rc}: no reader on that port")

    def _text(self, getter, encoding: str) -> str:
        buf, size = ctypes.create_string_buffer(128), ctypes.c_int(128)
        try:
            if getter(buf, ctypes.byref(size)) != 1:
                return ""
            return buf.value.decode(encoding, errors="replace")
        finally:
            ctypes.memset(buf, 0, len(buf))

    def read(self) -> CardText | None:
        rc = self._auth()
        if rc == 0:
            raise IdCardError("termb: the reader is not initialised")
        if rc != 1 or self._read(4) != 1:      # 4: into the library's memory, as the vendor's samples read
            return None
        number = self._text(self._number, "ascii").strip()
        return CardText(number, mask_name(self._text(self._name, "gb18030"))) if number else None

    def close(self) -> None:
        self._close()


SDT_OK, SDT_FOUND = 0x90, 0x9F
_NAME, _NUMBER = slice(0, 30), slice(122, 158)


class SdtapiSdk(IdCardSdk):
    """精伦 sdtapi (libsdtapi.so)."""

    def _bind(self) -> None:
        lib, i, ub, up = self.lib, ctypes.c_int, ctypes.POINTER(ctypes.c_ubyte), ctypes.POINTER(ctypes.c_uint)
        self._open = _fn(lib, "SDT_OpenPort", i, i)
        self._find = _fn(lib, "SDT_StartFindIDCard", i, i, ub, i)
        self._select = _fn(lib, "SDT_SelectIDCard", i, i, ub, i)
        self._read = _fn(lib, "SDT_ReadBaseMsg", i, i, ub, up, ub, up, i)
        self._close = _fn(lib, "SDT_ClosePort", i, i)

    def open(self) -> None:
        rc = self._open(self.port)
        if rc != SDT_OK:
            raise IdCardError(f"sdtapi: SDT_OpenPort({self.port}) returned {rc:#x}: no reader on that port")

    def read(self) -> CardText | None:
        scratch = (ctypes.c_ubyte * 64)()
        if self._find(self.port, scratch, 0) != SDT_FOUND or self._select(self.port, scratch, 0) != SDT_OK:
            return None
        text, photo = (ctypes.c_ubyte * 256)(), (ctypes.c_ubyte * 1024)()
        text_len, photo_len = ctypes.c_uint(256), ctypes.c_uint(1024)
        try:
            rc = self._read(self.port, text, ctypes.byref(text_len), photo, ctypes.byref(photo_len), 0)
            ctypes.memset(photo, 0, len(photo))         # the photo is never looked at
            if rc != SDT_OK:
                return None
            raw = bytes(text)
            number = raw[_NUMBER].decode("utf-16-le", errors="replace").strip("\x00 ")
            name = mask_name(raw[_NAME].decode("utf-16-le", errors="replace"))
            return CardText(number, name) if number else None
        finally:
            ctypes.memset(text, 0, len(text))

    def close(self) -> None:
        self._close(self.port)


SDKS = {"termb": TermbSdk, "sdtapi": SdtapiSdk}
