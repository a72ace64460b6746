"""The volunteers' touchscreen: a Flask app built by ``create_app(runtime)``."""

from __future__ import annotations

from flask import Flask


def create_app(runtime, test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(JSON_AS_ASCII=False)
    if test_config:
        app.config.update(test_config)
    app.extensions["kiosk"] = runtime

    from kiosk.web import screen

    app.register_blueprint(screen.bp)
    return app
