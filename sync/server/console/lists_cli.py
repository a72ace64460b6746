"""The console's lists from the command line: ``import-residents``, ``import-cards`` and
``revoke-card`` do what the console's import and revoke buttons do, with the same checks,
for scripts and for a first set-up before anyone logs in. The kiosks see a change with
the site's next published registry (``init-registry`` on a new site, or the console's
next change), since no broker connection is made here."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path


class _Refused(Exception):
    pass


def add_lists_parsers(subparsers) -> None:
    r = subparsers.add_parser("import-residents", help="add the residents of a list (CSV or Excel), as the "
                                                       "console's import does")
    r.add_argument("file", type=Path, help="residents list: building, unit, room, name, phone (楼栋, 单元, 房号, 姓名, 电话)")
    r.add_argument("--config", required=True, help="server config file (TOML), see config/server.toml")
    r.set_defaults(func=cmd_import_residents)
    c = subparsers.add_parser("import-cards", help="bind the access cards of a list (CSV or Excel), as the "
                                                   "console's import does")
    c.add_argument("file", type=Path, help="cards list: household (户号) or building, unit, room; card (卡号); "
                                           "optional format and name (姓名)")
    c.add_argument("--config", required=True, help="server config file (TOML), see config/server.toml")
    c.set_defaults(func=cmd_import_cards)
    v = subparsers.add_parser("revoke-card", help="revoke a bound access card (a lost one) by its number")
    v.add_argument("card", help="the card's number as its reader types it")
    v.add_argument("--format", default=None, help="how the number is written (default: dec10, 10 decimal digits)")
    v.add_argument("--config", required=True, help="server config file (TOML), see config/server.toml")
    v.set_defaults(func=cmd_revoke_card)


@contextmanager
def _console_store(config_path: str):
    from sync.server import config
    from sync.server.console.store import ConsoleStore
    from sync.server.storage import open_storage

    cfg = config.load(config_path)
    cfg.server.state_dir.mkdir(parents=True, exist_ok=True)
    storage = open_storage(cfg)
    try:
        yield ConsoleStore(storage)
    finally:
        storage.close()


def _rows(path: Path) -> list[list[str]]:
    from sync.server.console.roster import read_table

    try:
        return read_table(path.name, path.read_bytes())
    except (OSError, ValueError) as exc:
        raise _Refused(f"{path}: {exc}") from None


def _refuse_rows(path: Path, errors: list[tuple[int, str]]) -> None:
    lines = [f"{path}: row {n}: {msg}" if n else f"{path}: {msg}" for n, msg in errors[:100]]
    more = [f"… and {len(errors) - 100} more"] if len(errors) > 100 else []
    raise _Refused("nothing imported:\n" + "\n".join(lines + more))


def _actor() -> str:
    from sync.server.console.cli import _login_name

    return f"cli:{_login_name()}"


def _run(prog: str, body) -> int:
    try:
        said = body()
    except _Refused as exc:
        print(f"community-server {prog}: {exc}", file=sys.stderr)
        return 2
    print(said, file=sys.stderr)
    return 0


def cmd_import_residents(args) -> int:
    def body() -> str:
        from sync.server.console.roster import parse_roster

        roster = parse_roster(_rows(args.file))
        if roster.errors:
            _refuse_rows(args.file, roster.errors)
        with _console_store(args.config) as store:
            counts = store.import_residents(roster.records)
            store.audit(_actor(), "residents_import", {"file": args.file.name, "via": "cli", **counts})
        return f"residents from {args.file}: {counts['added']} added, {counts['updated']} updated, " \
               f"{counts['unchanged']} unchanged"
    return _run("import-residents", body)


def cmd_import_cards(args) -> int:
    def body() -> str:
        from sync.server.console.cards import parse_cards

        rows = _rows(args.file)
        with _console_store(args.config) as store:
            records, errors = parse_cards(rows, store, store.card_key())
            if errors:
                _refuse_rows(args.file, errors)
            store.add_cards(records, _actor())
            store.audit(_actor(), "cards_import", {"file": args.file.name, "added": len(records), "via": "cli"})
        return f"cards from {args.file}: {len(records)} bound"
    return _run("import-cards", body)


def cmd_revoke_card(args) -> int:
    def body() -> str:
        from sync.server.console.cards import DEFAULT_FORMAT, bound_card

        with _console_store(args.config) as store:
            try:
                card, masked = bound_card(store, args.card, args.format or DEFAULT_FORMAT)
            except ValueError as exc:
                raise _Refused(f"card {args.card!r}: {exc}") from None
            if card is None:
                raise _Refused(f"card {masked} is not bound to anyone, or is revoked already")
            store.revoke_card(card["id"], _actor())
            store.audit(_actor(), "card_revoke", {"card": masked, "household": card["household"], "via": "cli"})
        return f"card {masked} of {card['household']} revoked"
    return _run("revoke-card", body)
