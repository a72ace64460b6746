"""Fixtures shared by the server's tests (the console's browser tests have theirs in
console/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def client(console_app):
    return console_app.test_client()
