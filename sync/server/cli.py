"""The `community-server` command. Each subcommand is a small function; argparse wiring stays here."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sync.cliboot import boot
from sync.configfile import ConfigError

log = logging.getLogger("community-server")


def _load(path: str):
    from sync.server import config

    return config.load(path)


def cmd_run(args) -> int:
    from sync.server.runtime import ServerRuntime

    cfg = _load(args.config)
    if args.check_config:
        print(f"{args.config}: OK")
        return 0
    stopped = boot(cfg.server.log_level)
    rt = ServerRuntime(cfg)
    rt.start()
    print(f"community server: API at {rt.http_url}", flush=True)
    if rt.visitor_url:
        print(f"community server: visitor page at {rt.visitor_url}", flush=True)
    stopped.wait()
    rt.stop()
    return 0


def cmd_export(args) -> int:
    from contextlib import nullcontext
    from zoneinfo import ZoneInfo

    from sync.privatefile import private_output
    from sync.server.api import BadRequest, query_from_args
    from sync.server.export import ExportView, write_export
    from sync.server.storage import open_storage

    cfg = _load(args.config)
    try:
        q = query_from_args({k: getattr(args, k) for k in ("site", "gate", "since", "until", "direction",
                                                          "decision", "household")})
    except BadRequest as exc:
        print(f"community-server export: {exc}", file=sys.stderr)
        return 2
    from sync.server.console.store import ConsoleStore

    storage = open_storage(cfg)
    try:
        view = ExportView(ZoneInfo(cfg.console.timezone), cfg.console.language)
        with private_output(args.output) if args.output else nullcontext(sys.stdout.buffer) as out:
            rows = write_export(storage, q, args.format, out, actor=args.actor, view=view)
        # The office reads its audit log in the console: exports made here belong there too.
        ConsoleStore(storage).audit(args.actor, "export", {"format": args.format, "filters": q.describe(),
                                                           "rows": rows, "via": "cli"})
    finally:
        storage.close()
    print(f"exported {rows} entries", file=sys.stderr)
    return 0


def cmd_report(args) -> int:
    from datetime import date
    from pathlib import Path

    from sync.server.report.files import write_report
    from sync.server.storage import open_storage

    cfg = _load(args.config)
    try:
        day = date.fromisoformat(args.day)
    except ValueError:
        print(f"community-server report: --day {args.day!r}: use a date like 2026-12-03", file=sys.stderr)
        return 2
    storage = open_storage(cfg)
    try:
        n = write_report(storage, cfg, day, Path(args.output), site=args.site, actor=args.actor)
    finally:
        storage.close()
    print(f"report for {day}: {n} entries, written to {args.output}", file=sys.stderr)
    return 0


def cmd_broker_config(args) -> int:
    from sync.server.broker_setup import KioskId, SetupError, write_broker_config

    try:
        kiosks = [KioskId.parse(k) for k in args.kiosk]
        write_broker_config(Path(args.dir), kiosks, port=args.port, listen=args.listen, tls=args.tls,
                            hostnames=args.hostname or None, client_certs=args.client_certs,
                            cert_port=args.cert_port, broker_host=args.broker_host,
                            persistence_dir=args.persistence_dir)
    except SetupError as exc:
        print(f"community-server broker-config: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.dir}/mosquitto.conf, passwords, acl; kiosk [mqtt] sections in {args.dir}/kiosks/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="community-server", description="The community server: collector, storage, API")
    sub = p.add_subparsers(dest="cmd", required=True)

    r = sub.add_parser("run", help="run the collector and the HTTP API")
    r.add_argument("--config", required=True, help="server config file (TOML), see config/server.toml")
    r.add_argument("--check-config", action="store_true", help="only check the config file and exit")
    r.set_defaults(func=cmd_run)

    e = sub.add_parser("export", help="write entries as CSV or Excel, for scripts")
    e.add_argument("--config", required=True)
    e.add_argument("--since", help="from this date or date-time (UTC), inclusive")
    e.add_argument("--until", help="up to this date or date-time (UTC), exclusive")
    e.add_argument("--site")
    e.add_argument("--gate")
    e.add_argument("--direction", choices=["in", "out"])
    e.add_argument("--decision", choices=["admit", "deny", "refer"])
    e.add_argument("--household")
    e.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    e.add_argument("--output", "-o", help="file to write (default: standard output)")
    e.add_argument("--actor", default=f"cli:{_user()}", help="name recorded in the export log")
    e.set_defaults(func=cmd_export)
    rp = sub.add_parser("report", help="write a day's report (日报) as Excel, for scripts")
    rp.add_argument("--config", required=True)
    rp.add_argument("--day", required=True, help="the site's calendar day, YYYY-MM-DD")
    rp.add_argument("--site", help="default: [console] site")
    rp.add_argument("--output", "-o", required=True, help="the .xlsx file to write")
    rp.add_argument("--actor", default=f"cli:{_user()}", help="name recorded in the audit log")
    rp.set_defaults(func=cmd_report)
    b = sub.add_parser("broker-config", help="write a Mosquitto config, password file and ACL for the site")
    b.add_argument("--dir", required=True, help="directory to write into (kept accounts are reused)")
    b.add_argument("--kiosk", action="append", default=[], metavar="SITE/GATE", help="a kiosk account (repeat)")
    b.add_argument("--port", type=int, default=1883)
    b.add_argument("--listen", default="0.0.0.0", help="address the broker listens on")
    b.add_argument("--broker-host", default="127.0.0.1", help="address kiosks and the server connect to")
    b.add_argument("--tls", action="store_true", help="make a site CA and a broker certificate; TLS on the listener")
    b.add_argument("--hostname", action="append", help="name or address in the broker certificate (repeat)")
    b.add_argument("--client-certs", action="store_true",
                   help="also issue one client certificate per kiosk, for a listener that requires one")
    b.add_argument("--cert-port", type=int, help="port of the client-certificate listener (default: --port + 1)")
    b.add_argument("--persistence-dir", default="/var/lib/mosquitto/", help="where Mosquitto keeps its sessions")
    b.set_defaults(func=cmd_broker_config)

    from sync.server.passes import add_issue_pass_parser

    add_issue_pass_parser(sub)

    from sync.server.console.cli import add_user_parser

    add_user_parser(sub)

    from sync.server.console.lists_cli import add_lists_parsers
    from sync.server.registry_cli import add_registry_parsers

    add_lists_parsers(sub)
    add_registry_parsers(sub)
    return p


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"community-server: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.filename is None:
            raise
        # A file the command was given: not there, not writable, something in the way, a full disk.
        print(f"community-server {args.cmd}: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
