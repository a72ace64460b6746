"""``community-server add-user``: create a console account or reset its password and role.

The password comes from ``--password-file`` (its first line), else the environment
variable ``COMMUNITY_SERVER_PASSWORD``, else a prompt (typed twice); never from the
command line, where other users of the machine could read it.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

PASSWORD_ENV = "COMMUNITY_SERVER_PASSWORD"


def add_user_parser(subparsers) -> None:
    p = subparsers.add_parser("add-user", help="create a console account, or reset its password and role",
                              description=f"The password is read from --password-file, else ${PASSWORD_ENV}, "
                                          "else asked for twice.")
    p.add_argument("name", help="user name (letters, digits, '_', '.', '@', '-')")
    p.add_argument("--role", choices=["admin", "viewer"], required=True,
                   help="admin: may change things; viewer: may look and export")
    p.add_argument("--config", required=True, help="server config file (TOML), see config/server.toml")
    p.add_argument("--password-file", type=Path, help="file whose first line is the password")
    p.set_defaults(func=cmd_add_user)


class _NoPassword(Exception):
    pass


def _password(args) -> str:
    if args.password_file:
        lines = args.password_file.read_text("utf-8").splitlines()
        return lines[0] if lines else ""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise _NoPassword(f"no password: use --password-file or ${PASSWORD_ENV}, or run in a terminal")
    first = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != first:
        raise _NoPassword("the two passwords differ")
    return first


def cmd_add_user(args) -> int:
    from sync.server import config
    from sync.server.console.auth import UserError, create_user
    from sync.server.console.store import ConsoleStore
    from sync.server.storage import open_storage

    cfg = config.load(args.config)
    try:
        password = _password(args)
    except (_NoPassword, OSError) as exc:
        print(f"community-server add-user: {exc}", file=sys.stderr)
        return 2
    cfg.server.state_dir.mkdir(parents=True, exist_ok=True)
    storage = open_storage(cfg)
    try:
        store = ConsoleStore(storage)
        existed = store.user(args.name) is not None
        try:
            create_user(store, args.name, password, args.role)
        except UserError as exc:
            print(f"community-server add-user: {exc}", file=sys.stderr)
            return 2
        store.audit(f"cli:{_login_name()}", "user_reset" if existed else "user_add",
                    {"user": args.name, "role": args.role})
    finally:
        storage.close()
    print(f"{'updated' if existed else 'added'} {args.role} {args.name}", file=sys.stderr)
    return 0


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"
