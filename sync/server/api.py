"""The server's HTTP API (Flask, served by waitress): entries, exports, fleet status.

Login guard: every ``/api/`` request comes from a browser session the admin console's
login set up, or carries ``Authorization: Bearer <token>`` matching ``[http] api_token``
(for scripts). Nothing is served to anyone else.

Exports (``format=csv`` or ``xlsx``) stream: rows are read from storage in chunks and
written as they come, so a year of entries does not sit in memory. Each export is
recorded in the export log: who, when, which filters, how many rows.
"""

from __future__ import annotations

import functools
import hmac
import logging
from typing import Any, Callable, Iterator

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request, session

from sync.entry import DECISIONS, DIRECTIONS
from sync.server.export import ExportView, csv_chunks, xlsx_chunks
from sync.screening import MODES
from sync.server.storage import EntryQuery, Storage
from sync.webheaders import add_security_headers

log = logging.getLogger(__name__)

api = Blueprint("api", __name__, url_prefix="/api")

JSON_LIMIT_DEFAULT = 1000
JSON_LIMIT_MAX = 10000


def create_app(storage: Storage, *, api_token: str | None = None, secret_key: bytes | None = None,
               publisher=None, test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(STORAGE=storage, API_TOKEN=api_token, SECRET_KEY=secret_key or _random_key(),
                      REGISTRY_PUBLISHER=publisher)
    if test_config:
        app.config.update(test_config)
    app.register_blueprint(api)
    app.add_url_rule("/", "index", _index)
    add_security_headers(app)
    return app


def _random_key() -> bytes:
    import os

    return os.urandom(32)


def _storage() -> Storage:
    return current_app.config["STORAGE"]


def _session_user() -> str | None:
    """The console user of this request's session, while that session is live (logout,
    lockout and a new password end it on the server)."""
    con = current_app.extensions.get("console")
    name = session.get("user")
    if con is None or not name or con.store.session_user(session.get("sid")) != name:
        return None
    return str(name)


def login_required(view):
    """Token or admin-console session; sets ``g.actor`` (who, for the export log)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = current_app.config.get("API_TOKEN")
        who = _session_user()
        if who:
            g.actor = who
        else:
            given = request.headers.get("Authorization", "")
            if not (token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())):
                log.warning("API request refused, not logged in: %s %s from %s", request.method, request.path,
                            request.remote_addr)
                return jsonify(error="login required: log in to the console, or send 'Authorization: Bearer "
                                     "<token>' with the server's [http] api_token"), 401
            g.actor = f"token@{request.remote_addr}"
        return view(*args, **kwargs)

    return wrapper


def _index():
    return Response(
        "<!doctype html><meta charset=utf-8><title>Community server</title>"
        "<h1>Community server</h1><ul>"
        "<li><a href='/api/entries'>entries (JSON)</a>, <a href='/api/entries?format=csv'>CSV</a>, "
        "<a href='/api/entries?format=xlsx'>Excel</a></li>"
        "<li><a href='/api/fleet'>kiosk fleet status</a></li>"
        "<li><a href='/api/chain-issues'>hash-chain issues</a></li>"
        "<li><a href='/api/rejections'>rejected messages</a></li>"
        "<li><a href='/api/exports'>export log</a></li></ul>",
        mimetype="text/html")


class BadRequest(ValueError):
    pass


def query_from_args(args) -> EntryQuery:
    q = EntryQuery(**{k: (args.get(k) or None) for k in ("site", "gate", "since", "until", "direction",
                                                          "decision", "household", "screening")})
    if q.direction and q.direction not in DIRECTIONS:
        raise BadRequest(f"direction must be one of {', '.join(DIRECTIONS)}")
    if q.decision and q.decision not in DECISIONS:
        raise BadRequest(f"decision must be one of {', '.join(DECISIONS)}")
    if q.screening and q.screening not in MODES:
        raise BadRequest(f"screening must be one of {', '.join(MODES)}")
    for key in ("since", "until"):
        value = getattr(q, key)
        if value is not None:
            setattr(q, key, normalise_time(value, key))
    if args.get("limit"):
        try:
            q.limit = int(args["limit"])
        except ValueError:
            raise BadRequest("limit must be a whole number") from None
        if q.limit < 1:
            raise BadRequest("limit must be at least 1")
    return q


def normalise_time(value: str, key: str) -> str:
    """Accept a date or an ISO 8601 date-time (UTC, 'Z' or '+00:00'); return the form entries use."""
    from datetime import datetime, timezone

    text = value.strip().replace(" ", "T")
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{key} must be a date (2026-11-25) or date-time (2026-11-25T08:00:00Z)") from None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    return dt.isoformat(timespec="milliseconds") + "Z"


@api.errorhandler(BadRequest)
def _bad_request(exc):
    return jsonify(error=str(exc)), 400


@api.get("/entries")
@login_required
def entries():
    q = query_from_args(request.args)
    fmt = request.args.get("format", "json")
    if fmt == "json":
        q.limit = min(q.limit or JSON_LIMIT_DEFAULT, JSON_LIMIT_MAX)
        rows = [_public(item) for item in _storage().iter_entries(q)]
        return jsonify(count=len(rows), limit=q.limit, entries=rows)
    if fmt in EXPORT_FORMATS:
        who, ip, audit = g.actor, request.remote_addr, _console_audit()

        def audited(rows: int) -> None:
            if audit is not None:
                audit(who, "export", {"format": fmt, "filters": q.describe(), "rows": rows, "via": "api"}, ip)

        return stream_export(_storage(), q, fmt, who, _export_view(), after=audited)
    raise BadRequest("format must be json, csv or xlsx")


def _export_view() -> ExportView:
    """The console's zone and language when it is mounted, else the console's defaults."""
    console = current_app.extensions.get("console")
    if console is None:
        return ExportView()
    from sync.server.console.i18n import current_language

    return console.export_view(current_language())


def _console_audit() -> Callable[..., None] | None:
    """The console's audit log, when the console is mounted: exports and registry changes
    made through the API are recorded there beside the console's own."""
    console = current_app.extensions.get("console")
    return console.store.audit if console is not None else None


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {**item["entry"], "received_at": item["received_at"], "hash_ok": bool(item["hash_ok"])}


EXPORT_FORMATS = {
    "csv": (csv_chunks, "text/csv; charset=utf-8"),
    "xlsx": (xlsx_chunks, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def stream_export(storage: Storage, q: EntryQuery, fmt: str, actor: str, view: ExportView,
                  after: Callable[[int], None] | None = None) -> Response:
    """A download of the entries ``q`` selects, written as it is read for the reader
    ``view`` describes; once it is sent (or broken off) the export log records it and
    ``after(rows)`` runs."""
    writer, mimetype = EXPORT_FORMATS[fmt]
    counter = {"rows": 0}

    def counted() -> Iterator[dict[str, Any]]:
        for item in storage.iter_entries(q):
            counter["rows"] += 1
            yield item

    def body() -> Iterator[bytes]:
        try:
            yield from writer(counted(), view)
        finally:
            storage.log_export(actor, fmt, q.describe(), counter["rows"])
            log.info("export %s by %s: %d rows, filters %s", fmt, actor, counter["rows"], q.describe())
            if after is not None:
                after(counter["rows"])

    name = "entries." + fmt
    return Response(body(), mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@api.get("/fleet")
@login_required
def fleet():
    return jsonify(gates=_storage().gates())


@api.get("/chain-issues")
@login_required
def chain_issues():
    return jsonify(issues=_storage().chain_issues(request.args.get("site"), request.args.get("gate")))


@api.get("/rejections")
@login_required
def rejections():
    s = _storage()
    return jsonify(count=s.rejection_count(), recent=s.rejections())


@api.get("/exports")
@login_required
def exports():
    return jsonify(exports=_storage().export_log())


@api.get("/registry/<site>")
@login_required
def registry_get(site: str):
    envelope = _storage().latest_registry(site)
    if envelope is None:
        return jsonify(error=f"no registry published for site {site!r}"), 404
    return jsonify(envelope)


@api.put("/registry/<site>")
@login_required
def registry_put(site: str):
    """Publish a new version of the site's registry: body ``{"registry": {...}}``.

    The content is the policy's format; this signs, versions, keeps and publishes it.
    """
    from sync.server.registry_publisher import PublishError
    from sync.topics import NAME_RULE, is_name

    console = current_app.extensions.get("console")
    who = _session_user()
    user = console.store.user(who) if who else None
    if who and (user is None or user["role"] != "admin"):
        # A console viewer may look and export through the API, never change anything.
        return jsonify(error="only a console admin may publish the registry"), 403
    publisher = current_app.config.get("REGISTRY_PUBLISHER")
    if publisher is None:
        return jsonify(error="this server has no registry publisher (no broker connection)"), 503
    if not is_name(site):
        raise BadRequest(f"site must be {NAME_RULE}")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("registry"), dict):
        raise BadRequest('send JSON {"registry": {...}}')
    forced = request.args.get("force") in ("1", "true") or body.get("force") is True
    refusal = None if forced else _drops_every_key(_storage().latest_registry(site), body["registry"])
    if refusal:
        log.warning("registry for %s refused (%s) from %s", site, refusal, g.actor)
        return jsonify(error=f"{refusal}: every kiosk would then refuse every community pass. "
                             "Send it again with ?force=1 (or \"force\": true) if that is what you mean."), 409
    try:
        envelope = publisher.publish(site, body["registry"], actor=g.actor)
    except PublishError as exc:
        _audit_registry(site, None)
        return jsonify(error=str(exc), stored=True), 202
    _audit_registry(site, envelope["version"])
    return jsonify(site=site, version=envelope["version"], issued_at=envelope["issued_at"])


def _drops_every_key(latest: dict | None, registry: dict[str, Any]) -> str | None:
    """Why a registry would leave the kiosks with no pass key, or None when it keeps one."""
    keys = registry.get("trusted_keys")
    if not isinstance(keys, dict) or not keys:
        return "the registry has no trusted_keys"
    before = ((latest or {}).get("registry") or {}).get("trusted_keys") or {}
    if before and not set(before) & set(keys):
        return f"the registry drops every trusted key at once ({', '.join(sorted(before))})"
    return None


def _audit_registry(site: str, version: int | None) -> None:
    audit = _console_audit()
    if audit is not None:
        audit(g.actor, "registry_put", {"site": site, "version": version}, request.remote_addr)
