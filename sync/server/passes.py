"""Issuing community passes: the signing side of the format in sync/passes.py.

``community-server issue-pass`` makes one pass, or a batch from a CSV/XLSX list of
households, as pass text, PNG/SVG/PDF QR images and a printable HTML sheet. The pass
signing key is its own Ed25519 key (not the registry's), kept 0600 in the server's
state directory; kiosks learn its public half and key id from the registry.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import signingkey
from sync.passes import ROLES, PassPayload, parse, parse_windows, public_key_b64, sign
from sync.privatefile import write_private

DEFAULT_KEY = Path("server-state") / "pass-key.pem"
QR_ERROR = "m"


class IssueError(ValueError):
    pass


@dataclass(frozen=True)
class SigningKey:
    key: Ed25519PrivateKey
    key_id: str

    @property
    def public_b64(self) -> str:
        return public_key_b64(self.key)

    def registry_entry(self) -> dict:
        """What goes into the registry's ``trusted_keys``."""
        return {self.key_id: self.public_b64}


def default_key_id(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "p" + hashlib.sha256(raw).hexdigest()[:7]


def load_or_create_key(path: Path, key_id: str | None = None) -> SigningKey:
    """The pass signing key, created on first use."""
    try:
        key = signingkey.load_or_create_key(path)
    except signingkey.KeyFileError as exc:
        raise IssueError(str(exc)) from None
    return SigningKey(key, key_id or default_key_id(key))


@dataclass(frozen=True)
class Issued:
    payload: PassPayload
    text: str
    label: str = ""             # printed beside the QR on the sheet, never in the pass


def issue(key: SigningKey, *, site: str, household: str, role: str = "resident", days: float = 365,
          not_before: datetime | None = None, label: str = "", windows: str = "") -> Issued:
    """One signed pass. ``windows`` (``Mon-Fri 08:00-18:00; Sat 09:00-12:00``, the site's
    local time) is what a worker pass needs and only a worker pass may have."""
    start = not_before or datetime.now(timezone.utc)
    if days <= 0:
        raise IssueError("days must be positive")
    if (role == "worker") != bool(windows.strip()):
        raise IssueError("a worker pass needs its weekly windows (e.g. 'Mon-Fri 08:00-18:00'), "
                         "and only a worker pass has them")
    try:
        spans = parse_windows(windows)
    except ValueError as exc:
        raise IssueError(str(exc)) from None
    payload = PassPayload(key.key_id, role, int(start.timestamp()), int((start + timedelta(days=days)).timestamp()),
                          secrets.token_hex(8), site, household, spans)
    try:
        return Issued(payload, sign(payload, key.key), label)
    except ValueError as exc:
        raise IssueError(str(exc)) from None


def windows_of(text: str) -> list[str]:
    """A pass's weekly times as people write them (none for a resident pass)."""
    return [str(w) for w in parse(text).payload.windows]


def qr(text: str):
    import segno

    return segno.make_qr(text, error=QR_ERROR, boost_error=False)


# -- batches ------------------------------------------------------------------------

def read_rows(path: Path) -> list[dict]:
    """Rows of a CSV or XLSX list: ``household`` required; ``role``, ``days``, ``label`` optional."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = wb.active.iter_rows(values_only=True)
            header = [str(h or "").strip().lower() for h in next(rows, ())]
            out = [dict(zip(header, ("" if v is None else str(v).strip() for v in r))) for r in rows]
        finally:
            wb.close()      # read-only keeps the file open until closed, even when a row fails
    else:
        with open(path, newline="", encoding="utf-8-sig") as f:
            out = [{(k or "").strip().lower(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(f)]
    out = [r for r in out if any(r.values())]
    for i, r in enumerate(out, start=2):
        if not r.get("household"):
            raise IssueError(f"{path}: row {i}: no household")
        if r.get("role") and r["role"] not in ROLES:
            raise IssueError(f"{path}: row {i}: role {r['role']!r} is not one of {', '.join(ROLES)}")
    return out


def issue_batch(key: SigningKey, rows: list[dict], *, site: str, role: str, days: float,
                windows: str = "") -> list[Issued]:
    out = []
    for i, r in enumerate(rows, start=2):
        try:
            out.append(issue(key, site=site, household=r["household"], role=r.get("role") or role,
                             days=float(r.get("days") or days), label=r.get("label") or r.get("name") or "",
                             windows=r.get("windows") or windows))
        except (IssueError, ValueError) as exc:
            raise IssueError(f"row {i}: {exc}") from None
    return out


def write_images(passes: list[Issued], folder: Path, kind: str = "png", *, name: str | None = None) -> list[Path]:
    """One QR image a pass, readable by its owner alone; ``name`` names a single pass's file."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for p in passes:
        path = folder / (name or f"{p.payload.household}_{p.payload.role}_{p.payload.pass_id}.{kind}")
        image = io.BytesIO()
        qr(p.text).save(image, kind=kind, scale=6, border=4)
        write_private(path, image.getvalue())   # a pass opens the gate to whoever copies it
        paths.append(path)
    return paths


def sheet_html(passes: list[Issued], site: str) -> str:
    """A printable sheet: one card per pass, QR inline as SVG, six to an A4 page."""
    cards = []
    for p in passes:
        buf = io.BytesIO()
        qr(p.text).save(buf, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
        exp = datetime.fromtimestamp(p.payload.expires, timezone.utc).date().isoformat()
        cards.append(
            f'<div class="card">{buf.getvalue().decode()}'
            f'<p class="hh">{html.escape(p.payload.household)}</p>'
            f'<p>{html.escape(p.label)}</p>'
            f'<p>{html.escape(p.payload.role)} · 有效期至 valid to {exp}</p>'
            + ''.join(f'<p>{html.escape(str(w))}</p>' for w in p.payload.windows) +
            f'<p class="id">{p.payload.pass_id}</p></div>')
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(site)} passes</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: sans-serif; }}
.card {{ display: inline-block; width: 85mm; height: 85mm; margin: 2mm; border: 1px dashed #888;
        text-align: center; page-break-inside: avoid; vertical-align: top; }}
.card svg {{ width: 55mm; height: 55mm; }}
.card p {{ margin: 1mm; }} .hh {{ font-size: 16pt; font-weight: bold; }} .id {{ font-size: 7pt; color: #666; }}
</style></head><body>
{''.join(cards)}
</body></html>
"""


# -- the command --------------------------------------------------------------------

def add_issue_pass_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "issue-pass", help="make signed community passes (text, QR images, printable sheet)",
        description="With no output option, prints the pass text alone on standard output.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--household", help="building-unit-room, e.g. 3-2-501")
    src.add_argument("--batch", help="CSV or XLSX with a 'household' column (optional: role, days, label, windows)")
    src.add_argument("--show-key", action="store_true", help="print the key id and public key for the registry")
    p.add_argument("--role", choices=ROLES, default="resident")
    p.add_argument("--days", type=float, default=365, help="valid for this many days from now")
    p.add_argument("--windows", default="", help="a worker pass's weekly times in the site's zone, "
                   "e.g. 'Mon-Fri 08:00-18:00; Sat 09:00-12:00'")
    p.add_argument("--site", default="demo-site", help="the community (site) id")
    p.add_argument("--key", type=Path, default=DEFAULT_KEY, help=f"pass signing key, PEM (created if absent; "
                   f"default {DEFAULT_KEY})")
    p.add_argument("--key-id", help="key id the kiosks know the key by (default: from the public key)")
    p.add_argument("--out", type=Path, help="a .png/.svg/.pdf file for one pass, or a folder for a batch")
    p.add_argument("--sheet", type=Path, help="also write a printable HTML sheet here")
    p.set_defaults(func=cmd_issue_pass)


def cmd_issue_pass(args) -> int:
    try:
        key = load_or_create_key(args.key, args.key_id)
        if args.show_key:
            print(f"{key.key_id} {key.public_b64}")
            return 0
        if args.batch:
            issued = issue_batch(key, read_rows(Path(args.batch)), site=args.site, role=args.role, days=args.days,
                                 windows=args.windows)
        else:
            issued = [issue(key, site=args.site, household=args.household, role=args.role, days=args.days,
                            windows=args.windows)]
    except (IssueError, OSError) as exc:
        print(f"community-server issue-pass: {exc}", file=sys.stderr)
        return 2
    if args.out is None and args.sheet is None:
        for p in issued:
            print(p.text)
        return 0
    if args.out is not None:
        if len(issued) == 1 and args.out.suffix.lower() in (".png", ".svg", ".pdf"):
            write_images(issued, args.out.parent, args.out.suffix.lower()[1:], name=args.out.name)
        else:
            from sync.server.export import inert_csv

            write_images(issued, args.out)
            table = io.StringIO(newline="")
            w = csv.writer(table)
            w.writerow(["pass_id", "household", "role", "not_before", "expires", "text"])
            for p in issued:
                w.writerow([inert_csv(v) for v in (p.payload.pass_id, p.payload.household, p.payload.role,
                                                   p.payload.not_before, p.payload.expires, p.text)])
            write_private(args.out / "passes.csv", table.getvalue())
    if args.sheet is not None:
        args.sheet.parent.mkdir(parents=True, exist_ok=True)
        write_private(args.sheet, sheet_html(issued, args.site))
    print(f"issued {len(issued)} pass(es) with key {key.key_id}", file=sys.stderr)
    return 0
