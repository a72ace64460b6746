"""An Ed25519 signing key kept in a PEM file: loaded, or made on first use.

The server signs the registry envelope and the community passes, each with a key of its
own; both keys are kept this one way (PKCS#8, unencrypted, readable by the owner alone:
the state directory is the protection).
"""

from __future__ import annotations

from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.privatefile import write_private


class KeyFileError(ValueError):
    """The file is there but holds no Ed25519 private key."""


def load_or_create_key(path: str | Path) -> Ed25519PrivateKey:
    """The key in ``path``; a new one written there (0600) when there is no file yet."""
    path = Path(path)
    try:
        return _load(path)
    except FileNotFoundError:
        pass
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        write_private(path, pem, exclusive=True)
    except FileExistsError:
        return _load(path)      # another process made it first: sign with the one kept
    return key


def _load(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFileError(f"{path}: not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 private key")
    return key
