"""The server's signing keys (registry envelope, community passes) are made once, kept
0600, signed with again after a restart, and a damaged key file is named, not a traceback."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sync import registry_envelope
from sync.server.cli import main as server_main
from sync.signingkey import KeyFileError, load_or_create_key


def test_a_key_is_made_once_private_and_signs_the_same_after_a_restart(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "state" / "key.pem"
        first = load_or_create_key(path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_key(path)
    first.public_key().verify(again.sign(b"entry"), b"entry")


def test_a_key_file_made_by_another_process_in_the_meantime_is_the_one_used(tmp_path, monkeypatch):
    from sync import signingkey

    path = tmp_path / "key.pem"
    theirs = load_or_create_key(tmp_path / "theirs.pem")
    real_load = signingkey._load
    calls = []

    def load_racing(p):
        # The first look finds no file; the other process writes its key just after.
        if not calls:
            calls.append(p)
            (tmp_path / "theirs.pem").rename(path)
            raise FileNotFoundError(p)
        return real_load(p)

    monkeypatch.setattr(signingkey, "_load", load_racing)
    ours = load_or_create_key(path)
    theirs.public_key().verify(ours.sign(b"x"), b"x")


@pytest.mark.parametrize("content, words", [
    (b"not a key at all\n", "not a PEM private key"),
    (ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
     "not an Ed25519 private key"),
])
def test_a_damaged_key_file_is_named_and_kept(tmp_path, content, words):
    path = tmp_path / "registry-key.pem"
    path.write_bytes(content)
    with pytest.raises(KeyFileError, match=f"registry-key.pem: {words}"):
        load_or_create_key(path)
    with pytest.raises(registry_envelope.EnvelopeError, match=words):
        registry_envelope.load_or_create_key(path)
    assert path.read_bytes() == content         # never replaced by a new key: kiosks trust the old one


def test_issue_pass_names_a_damaged_key_file(tmp_path, capsys):
    key = tmp_path / "pass-key.pem"
    key.write_bytes(b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
    assert server_main(["issue-pass", "--household", "3-2-501", "--key", str(key)]) == 2
    err = capsys.readouterr().err
    assert f"{key}: not a PEM private key" in err, err
