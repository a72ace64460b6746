"""write_private: a key, secret or credentials file is its owner's alone whatever the umask
and whatever mode an older copy had, and a reader never sees half of it."""

from __future__ import annotations

import os
import stat

import pytest

from sync.privatefile import private_output, write_private


def _mode(path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


@pytest.mark.parametrize("durable", [False, True])
def test_an_older_readable_file_is_replaced_private(loose_umask, tmp_path, durable):
    path = tmp_path / "credentials.json"
    path.write_text('{"server": "old"}')
    os.chmod(path, 0o644)
    (tmp_path / "credentials.json.tmp").write_text("left by a crash")      # and 0644 too
    write_private(path, '{"server": "new"}', durable=durable)
    assert (path.read_text(), _mode(path)) == ('{"server": "new"}', "0o600")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials.json"]


def test_a_key_made_once_is_never_overwritten(loose_umask, tmp_path):
    path = tmp_path / "kiosk.secret"
    write_private(path, b"first", exclusive=True, durable=True)
    with pytest.raises(FileExistsError):
        write_private(path, b"second", exclusive=True)
    assert (path.read_bytes(), _mode(path)) == (b"first", "0o600")


def test_a_streamed_file_appears_whole_and_private_or_not_at_all(loose_umask, tmp_path):
    path = tmp_path / "entries.csv"
    path.write_text("yesterday's export")
    with pytest.raises(OSError):
        with private_output(path) as f:
            f.write(b"half of today's")
            raise OSError("disk full")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entries.csv"]
    assert path.read_text() == "yesterday's export"

    with private_output(path) as f:
        f.write(b"today's export")
        assert path.read_text() == "yesterday's export"     # a reader meanwhile sees the old one
    assert (path.read_bytes(), _mode(path)) == (b"today's export", "0o600")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entries.csv"]
