"""Security headers for both web apps (the console and the touchscreen).

Every page and file loads from its own server only: scripts are static files (the
pages hand them data in ``<script type="application/json">`` blocks, which are not run),
no page may be framed, and no address leaks to another site in a Referer.
"""

from __future__ import annotations

from flask import Flask, Response

# 'self' for images covers the QR codes drawn as inline SVG (part of the page) and
# data: covers the pass QR the touchscreen draws as an image.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def add_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
