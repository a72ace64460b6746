"""State files readable by their owner alone: keys, secrets, credentials, databases.

Every file that holds a key, a password or a record of people goes through here, so
its mode is 0600 whatever the process umask is and whatever mode an older copy had.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO

MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def write_private(path: str | Path, data: bytes | str, *, exclusive: bool = False, durable: bool = False) -> None:
    """Write ``data`` to ``path`` with mode 0600. ``exclusive``: fail with FileExistsError
    when the file is there (a key made once); otherwise replace it atomically, so a
    reader never sees half a file. ``durable``: the file and its directory entry are on
    disk when this returns, so a power cut leaves the old file or the new one."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with _private_file(Path(path), exclusive=exclusive, durable=durable) as f:
        f.write(raw)


def private_output(path: str | Path) -> AbstractContextManager[BinaryIO]:
    """A file to stream into, too long to hold in memory (an export, a report): written
    with mode 0600 beside ``path`` and moved there when the block ends, so nobody else
    reads it and no reader sees half of it. An error leaves nothing behind."""
    return _private_file(Path(path), exclusive=False, durable=False)


@contextmanager
def _private_file(path: Path, *, exclusive: bool, durable: bool) -> Iterator[BinaryIO]:
    target = path if exclusive else path.with_name(path.name + ".tmp")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    try:
        fd = os.open(target, flags, MODE)
    except OSError as exc:      # named as the caller knows it: the .tmp file is ours
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), MODE)     # O_CREAT keeps the mode of a file already there
            yield f
            if durable:
                f.flush()
                os.fsync(f.fileno())
        if not exclusive:
            os.replace(target, path)
    except BaseException:
        # A full disk leaves no half-written key behind: the next start makes a new one.
        target.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_database(path: str | Path) -> Path:
    """Before SQLite opens ``path``: the database file made 0600 if it is not there yet,
    and an older one (and its side files) set to 0600. SQLite gives the -wal and -shm
    files it makes later the database file's own mode."""
    path = Path(path)
    try:
        write_private(path, b"", exclusive=True)    # an empty file is an empty database
    except FileExistsError:
        pass
    for p in (path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)):
        try:
            os.chmod(p, MODE)
        except FileNotFoundError:
            pass
    return path
