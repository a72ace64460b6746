"""The site's registry from the command line: ``init-registry`` starts a new site's
registry from a file, signed by this server, and ``registry-key`` prints the line a
kiosk's ``[mqtt]`` section needs to trust what this server signs. Neither connects to
the broker: ``community-server run`` publishes the newest stored registry when it
connects."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_registry_parsers(subparsers) -> None:
    i = subparsers.add_parser("init-registry", help="sign a new site's first registry from a file (kept as it is "
                                                    "when the site has one); write the site's newest registry")
    i.add_argument("--from", dest="source", type=Path, required=True,
                   help="registry file (JSON) with the site, rules, known codes, trusted keys, ...")
    i.add_argument("--output", "-o", type=Path, help="where to write the site's newest registry (default: "
                                                     "standard output), the form a kiosk's [registry] file takes")
    i.add_argument("--config", required=True, help="server config file (TOML), see config/server.toml")
    i.set_defaults(func=cmd_init_registry)
    k = subparsers.add_parser("registry-key", help="print the registry_keys line for a kiosk's [mqtt] section "
                                                   "(the key is made on first use)")
    k.add_argument("--config", required=True, help="server config file (TOML), see config/server.toml")
    k.set_defaults(func=cmd_registry_key)


def _read_registry(path: Path) -> dict:
    try:
        content = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read a registry: {exc}") from None
    if not isinstance(content, dict) or not isinstance(content.get("site"), str) or not content["site"]:
        raise ValueError(f"{path}: a registry is a JSON object whose \"site\" names the site")
    return {k: v for k, v in content.items() if k not in ("version", "issued_at")}   # the envelope's


def cmd_init_registry(args) -> int:
    from sync import registry_envelope as env
    from sync.server import config
    from sync.server.console.registry_content import cards_content
    from sync.server.console.store import ConsoleStore
    from sync.server.storage import open_storage

    try:
        content = _read_registry(args.source)
    except ValueError as exc:
        print(f"community-server init-registry: {exc}", file=sys.stderr)
        return 2
    cfg = config.load(args.config)
    cfg.server.state_dir.mkdir(parents=True, exist_ok=True)
    key, site = env.load_or_create_key(cfg.registry_key_path), content["site"]
    storage = open_storage(cfg)
    try:
        made = storage.latest_registry(site) is None
        if made:
            # The cards the console bound go with it, as with every registry it publishes.
            content.update(cards_content(ConsoleStore(storage)))
            storage.save_registry(site, lambda v: env.sign(content, site=site, version=v, key=key,
                                                           key_id=cfg.registry.key_id), "cli")
        envelope = storage.latest_registry(site)
    finally:
        storage.close()
    text = json.dumps({**envelope["registry"], "version": envelope["version"]}, ensure_ascii=False, indent=1)
    if args.output:
        args.output.write_text(text, "utf-8")
    else:
        print(text)
    print(f"registry of {site}: version {envelope['version']}{' signed' if made else ', kept as it was'}",
          file=sys.stderr)
    return 0


def cmd_registry_key(args) -> int:
    from sync import registry_envelope as env
    from sync.server import config

    cfg = config.load(args.config)
    cfg.server.state_dir.mkdir(parents=True, exist_ok=True)
    key = env.load_or_create_key(cfg.registry_key_path)
    print(f"registry_keys = {{ {json.dumps(cfg.registry.key_id)} = {json.dumps(env.public_key_text(key))} }}")
    return 0
