"""Visitors register themselves on their own phones: a public page on the community
server (``page.py``) takes the declaration (``questions.py``), and the registrar signs a
visitor pass that kiosks verify offline and keeps the declaration under its pass id
(``registrar.py``, ``store.py``). ``[visitors]`` in the server's config (``config.py``).

``init_visitor_page`` mounts the page on a Flask app: the console's, or an app of its own
when ``[visitors] listen`` gives the page a listener of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from sync.server.visitors.config import VisitorsSection
from sync.server.visitors.registrar import Registrar


@dataclass
class VisitorPage:
    registrar: Registrar
    settings: VisitorsSection
    form_key: bytes


def make_registrar(storage, pass_key, settings: VisitorsSection, *, site: str, timezone_name: str,
                   id_key: bytes) -> Registrar:
    """The registrar on the server's storage: households from the console's tables."""
    from sync.server.console.store import ConsoleStore
    from sync.server.visitors.store import DeclarationStore, InvitationStore

    def rules() -> dict:
        latest = storage.latest_registry(site) or {}
        found = (latest.get("registry") or {}).get("rules")
        return found if isinstance(found, dict) else {}

    return Registrar(DeclarationStore(storage), ConsoleStore(storage), pass_key, settings, site=site,
                     timezone_name=timezone_name, id_key=id_key, invitations=InvitationStore(storage), rules=rules)


def init_visitor_page(app: Flask, registrar: Registrar, form_key: bytes) -> VisitorPage:
    from sync.server.visitors import page

    vp = VisitorPage(registrar, registrar.settings, form_key)
    app.extensions["visitor_page"] = vp
    app.register_blueprint(page.bp)
    return vp
