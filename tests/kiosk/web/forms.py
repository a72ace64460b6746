"""The touchscreen's forms as the Flask test client posts them."""

from __future__ import annotations

import re


def csrf_token(client) -> str:
    """The token every page of the touchscreen carries, which each form post must send back."""
    html = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
