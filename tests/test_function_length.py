"""No product function runs past 70 lines: a longer one does several jobs, and is split
into them. A declarative table (an argparse parser's arguments, say) may stay whole where
it reads better so; it is then named in WHOLE_TABLES, with why."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("kiosk", "drivers", "sync")
LIMIT = 70
WHOLE_TABLES: dict[str, str] = {}   # "path:Qual.name" -> why it reads better whole


def _functions(tree: ast.AST, prefix: str = ""):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}{node.name}", node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")


def _long_functions() -> dict[str, int]:
    out = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            for name, node in _functions(ast.parse(path.read_text("utf-8"), rel)):
                lines = node.end_lineno - node.lineno + 1
                if lines > LIMIT:
                    out[f"{rel}:{name}"] = lines
    return out


def test_no_product_function_runs_past_the_limit():
    too_long = {k: n for k, n in _long_functions().items() if k not in WHOLE_TABLES}
    assert not too_long, f"functions over {LIMIT} lines; split them into their steps: {too_long}"


def test_every_whole_table_is_still_long():
    long = _long_functions()
    assert not [k for k in WHOLE_TABLES if k not in long], \
        "a function kept whole as a table is under the limit now: take it off the list"
