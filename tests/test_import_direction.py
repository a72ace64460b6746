"""Imports point one way: ``kiosk`` may use ``sync`` and ``drivers``; ``sync`` uses no
``kiosk``; the server (``sync.server``) uses neither ``kiosk`` nor ``drivers``; ``drivers``
stands alone. What crosses between the kiosk and the server is the contract, in ``sync/``.

Every product module is parsed, imports inside functions included, and each import
against the direction fails the test naming its file and line. To see the direction of
the whole tree at once:

    python -m pytest -q tests/test_import_direction.py

KNOWN_IMPORTS lists the imports against the direction that are still being moved, each
with who moves it. The list can only shrink: an entry whose import is gone fails the
test too, so it is deleted in the change that removes the import.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("drivers", "kiosk", "sync")

# The most specific importer wins: sync.server before sync.
FORBIDDEN = {
    "drivers": {"kiosk", "sync"},
    "sync.server": {"kiosk", "drivers"},
    "sync": {"kiosk"},
    "kiosk": set(),
}

# (file, imported module): who removes it. Keyed without line numbers so edits above
# an import do not break the list.
KNOWN_IMPORTS: dict[tuple[str, str], str] = {
}

# What loading the server still pulls in of the kiosk and the drivers, and why.
KNOWN_SERVER_LOADS: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py"))


def imported_modules(source: str, module: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, absolute module) of every import in ``source`` (the text of ``module``), at
    any depth: in functions, classes and ``if`` blocks too."""
    package = module if filename.endswith("__init__.py") else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[:package.count(".") + 2 - node.level]
            found.append((node.lineno, ".".join(base + ([node.module] if node.module else []))))
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, node.module))
    return sorted(found)


def forbidden_for(module: str) -> set[str]:
    for prefix in sorted(FORBIDDEN, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return FORBIDDEN[prefix]
    return set()


def against_the_direction() -> list[tuple[str, int, str]]:
    """(file, line, imported module) of every import against the direction."""
    wrong = []
    for path in product_files():
        forbidden = forbidden_for(module_name(path))
        for line, target in imported_modules(path.read_text("utf-8"), module_name(path), str(path)):
            if target.split(".")[0] in forbidden:
                wrong.append((path.relative_to(REPO).as_posix(), line, target))
    return wrong


def test_imports_point_one_way():
    new = [f"{file}:{line}: imports {target}" for file, line, target in against_the_direction()
           if (file, target) not in KNOWN_IMPORTS]
    assert not new, ("imports against the direction (drivers: nothing of kiosk or sync; sync: nothing "
                     "of kiosk; sync.server: nothing of kiosk or drivers); put what both sides need "
                     "in sync/:\n" + "\n".join(new))


def test_the_known_imports_are_still_there():
    present = {(file, target) for file, _, target in against_the_direction()}
    gone = [f"{file}: {target} ({owner})" for (file, target), owner in KNOWN_IMPORTS.items()
            if (file, target) not in present]
    assert not gone, "no longer imported; delete from KNOWN_IMPORTS:\n" + "\n".join(gone)


def test_imports_in_functions_and_relative_ones_are_seen():
    # A check that sees nothing passes everything: the parser must find these forms.
    source = (
        "import json\n"
        "from . import helpers\n"
        "from ..entry import canonical\n"
        "def later():\n"
        "    from kiosk.journal import Journal\n"
        "    import drivers.cards as cards\n"
        "class C:\n"
        "    if True:\n"
        "        import kiosk\n")
    assert imported_modules(source, "sync.server.api") == [
        (1, "json"), (2, "sync.server"), (3, "sync.entry"), (5, "kiosk.journal"), (6, "drivers.cards"), (9, "kiosk")]
    assert imported_modules("from . import x\n", "sync.server", "sync/server/__init__.py") == [(1, "sync.server")]
    assert forbidden_for("sync.server.console.cards") == {"kiosk", "drivers"}
    assert forbidden_for("sync.outbox") == {"kiosk"}
    assert forbidden_for("drivers.camera") == {"kiosk", "sync"}
    assert forbidden_for("kiosk.runtime") == set()


def server_loads() -> set[str]:
    """The kiosk and driver modules in sys.modules once the server and every module of
    it are imported, in a fresh interpreter."""
    code = ("import importlib, json, pkgutil, sys\n"
            "import sync.server.runtime\n"
            "for m in pkgutil.walk_packages(sys.modules['sync.server'].__path__, 'sync.server.'):\n"
            "    importlib.import_module(m.name)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('kiosk', 'drivers'))))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_loading_the_server_pulls_in_no_kiosk_or_driver_module():
    loaded = server_loads()
    # A module's parent packages come along with it.
    parents = {".".join(m.split(".")[:i]) for m in KNOWN_SERVER_LOADS for i in range(1, m.count(".") + 1)}
    unexpected = sorted(loaded - set(KNOWN_SERVER_LOADS) - parents)
    assert not unexpected, f"the server loads kiosk or driver modules: {', '.join(unexpected)}"
    gone = sorted(set(KNOWN_SERVER_LOADS) - loaded)
    assert not gone, f"the server no longer loads {', '.join(gone)}; delete from KNOWN_SERVER_LOADS"
