"""The suite's own rules, read from its source with ``ast``: every wait goes through
tests/waiting.py, no fixed sleep stands in for a wait before an assert, and fixtures are
found through conftest.py rather than imported from another module, and nothing is
imported from a conftest.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
WAITING = TESTS / "waiting.py"

# Sleeps that pace a simulator or a fault and are then followed by an assert about what the
# pace produced, each with the reason it is not a wait. (path relative to tests/, line text)
PACING_SLEEPS: dict[tuple[str, str], str] = {}


def _sources() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if p != WAITING)


def _rel(path: Path) -> str:
    return str(path.relative_to(TESTS))


def _is_call_to(node: ast.AST, name: str) -> bool:
    """``name(...)`` or ``x.name(...)``; ``name`` may be dotted, as in ``time.sleep``."""
    if not isinstance(node, ast.Call):
        return False
    return ast.unparse(node.func) == name or ast.unparse(node.func).endswith("." + name)


def _calls(node: ast.AST, name: str) -> bool:
    return any(_is_call_to(n, name) for n in ast.walk(node))


def _deadline_loops(tree: ast.AST) -> list[ast.While]:
    """``while`` loops that count down a clock: the suite's wait written by hand."""
    return [n for n in ast.walk(tree) if isinstance(n, ast.While)
            and (_calls(n.test, "time.monotonic") or _calls(n.test, "time.time")
                 or any(isinstance(x, ast.Name) and "deadline" in x.id for x in ast.walk(n.test)))]


def hand_written_waits(tree: ast.AST) -> list[str]:
    """Functions that wait on their own: named for waiting or polling without going through
    ``wait_until``, or holding a hand-written deadline loop."""
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        name = fn.name.lstrip("_")
        # Playwright's own waits (page.wait_for_function, ...) watch the page from inside it.
        delegates = _calls(fn, "wait_until") or _calls(fn, "holds_for") or any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr.startswith("wait_for_")
            for n in ast.walk(fn))
        waits_itself = name.startswith(("wait", "poll")) and not delegates
        if waits_itself or _deadline_loops(fn):
            found.append(f"{fn.name} (line {fn.lineno})")
    return found


def sleeps_then_asserts(tree: ast.AST, source: str, rel: str) -> list[str]:
    """A ``time.sleep`` statement whose next statement in the same block is an ``assert``:
    a guess at how long something takes, which a loaded machine gets wrong."""
    found = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for stmt, following in zip(block, block[1:]):
                if (isinstance(stmt, ast.Expr) and _is_call_to(stmt.value, "time.sleep")
                        and isinstance(following, ast.Assert)):
                    line = source.splitlines()[stmt.lineno - 1].strip()
                    if (rel, line) not in PACING_SLEEPS:
                        found.append(f"line {stmt.lineno}: {line}")
    return found


def _module_file(module: str) -> Path | None:
    if not module.startswith("tests."):
        return None
    base = TESTS.parent.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _fixture_decorator(fn: ast.AST) -> ast.expr | None:
    """``@pytest.fixture`` or ``@pytest.fixture(...)`` (or the bare ``fixture`` imported from pytest)."""
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    return next((d for d in fn.decorator_list
                 if ast.unparse(d.func if isinstance(d, ast.Call) else d) in ("pytest.fixture", "fixture")), None)


def fixtures_of(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """The fixtures a module defines, by the name a test asks for (``name=`` if given), its
    classes' included."""
    found = {}
    for node in tree.body:
        for fn in node.body if isinstance(node, ast.ClassDef) else [node]:
            if (decorator := _fixture_decorator(fn)) is not None:
                named = [k.value for k in getattr(decorator, "keywords", []) if k.arg == "name"]
                found[named[0].value if named and isinstance(named[0], ast.Constant) else fn.name] = fn
    return found


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"))


def _imported_module(node: ast.ImportFrom, path: Path) -> str | None:
    """The dotted name ``from ... import`` reads from, a relative one resolved against ``path``."""
    if node.level == 0:
        return node.module
    package = path.relative_to(TESTS.parent).parent.parts
    base = package[:len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_from_conftest(tree: ast.AST, path: Path) -> list[str]:
    """Anything imported from a conftest.py: pytest loads those files itself and advises
    against importing them. What tests share besides fixtures lives in a plain module
    (tests/places.py, tests/sync/server/consolekit.py, ...)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (module := _imported_module(node, path)) \
                and module.rsplit(".", 1)[-1] == "conftest":
            found += [f"{alias.name} from {module}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.rsplit(".", 1)[-1] == "conftest"]
    return found


def imported_fixtures(tree: ast.AST, path: Path) -> list[str]:
    """Fixtures brought into the module at ``path`` with ``from tests.x import fixture`` (or
    ``*``, or a relative import): pytest finds them by name only through conftest.py, and
    an import hides which one a test really gets."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ImportFrom) and (module := _imported_module(node, path))
                and (source := _module_file(module))):
            continue
        functions = {fn.name for fn in fixtures_of(_parse(source)).values()}
        for alias in node.names:
            if alias.name in functions or (alias.name == "*" and functions):
                found.append(f"{alias.name} from {module}")
    return found


def shadowed_fixtures(path: Path, tree: ast.Module) -> list[str]:
    """A fixture of a test module, or of a conftest.py, named like a fixture of a conftest.py
    above it, yet not built on it (``def storage(storage)`` extends the shared one; anything
    else silently replaces it for the tests below)."""
    visible: dict[str, Path] = {}
    for folder in reversed([path.parent, *path.parent.parents]):
        conftest = folder / "conftest.py"
        if folder.is_relative_to(TESTS) and conftest.exists() and conftest != path:
            visible |= dict.fromkeys(fixtures_of(_parse(conftest)), conftest)
    found = []
    for name, fn in fixtures_of(tree).items():
        if name in visible and name not in [a.arg for a in fn.args.args]:
            found.append(f"{name} (also in {_rel(visible[name])})")
    return found


@pytest.mark.parametrize("path", _sources(), ids=_rel)
def test_no_wait_helper_but_the_suites_own(path):
    assert hand_written_waits(ast.parse(path.read_text("utf-8"))) == [], \
        "wait with tests.waiting.wait_until (or holds_for), not a helper of this module's own"


@pytest.mark.parametrize("path", _sources(), ids=_rel)
def test_no_sleep_then_assert(path):
    source = path.read_text("utf-8")
    assert sleeps_then_asserts(ast.parse(source), source, _rel(path)) == [], \
        "wait for the state with wait_until, or check that nothing happens with holds_for"


@pytest.mark.parametrize("path", _sources(), ids=_rel)
def test_fixtures_come_from_conftest(path):
    assert imported_fixtures(_parse(path), path) == [], "move the fixture to a conftest.py"
    assert imports_from_conftest(_parse(path), path) == [], "move what is shared to a plain module"
    assert shadowed_fixtures(path, _parse(path)) == [], "name it apart, or build it on the shared one"


# -- the rules catch what they are for --------------------------------------------------

def _tree(text: str) -> ast.AST:
    import textwrap

    return ast.parse(textwrap.dedent(text))


def test_the_rules_catch_a_hand_written_wait_and_a_sleep_then_assert():
    tree = _tree("""
        def _wait(pred, timeout=2.0):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if pred():
                    return True
        def wait_for(pred):
            return any(pred() for _ in range(100))
        def test_x():
            time.sleep(0.3)
            assert x == 1
    """)
    assert [w.split()[0] for w in hand_written_waits(tree)] == ["_wait", "wait_for"]
    assert len(sleeps_then_asserts(tree, ast.unparse(tree), "x.py")) == 1


def test_the_rules_let_pass_waits_through_the_helper_and_pacing_sleeps():
    tree = _tree("""
        def wait_readings(n):
            return wait_until(lambda: count() >= n, 20, "readings")
        def wait_played(page, name):
            page.wait_for_function("n => played(n)", arg=name, timeout=20000)
        def test_x():
            for _ in range(50):
                sim.unplug()
                time.sleep(0.02)
                sim.replug()
            wait_until(lambda: ok(), 20, "ok")
            assert done()
    """)
    assert hand_written_waits(tree) == []
    assert sleeps_then_asserts(tree, ast.unparse(tree), "x.py") == []


def test_the_rules_catch_an_imported_and_a_shadowed_fixture():
    probe = TESTS / "sync" / "server" / "test_probe.py"
    assert imported_fixtures(_tree("from tests.conftest import broker, free_port\n"), probe) == \
        ["broker from tests.conftest"]
    # Relative, and everything at once: tests/sync/server/console/conftest.py has fixtures.
    assert imported_fixtures(_tree("from .console.conftest import page\nfrom ..server.console.conftest import *\n"),
                             probe) == ["page from tests.sync.server.console.conftest",
                                        "* from tests.sync.server.console.conftest"]
    # Helpers that are not fixtures may be imported, but from a plain module, not a conftest.py.
    assert imported_fixtures(_tree("from tests.sync.server.consolekit import ADMIN, log_in\n"), probe) == []
    assert imports_from_conftest(_tree("from tests.sync.server.consolekit import ADMIN, log_in\n"), probe) == []
    assert imports_from_conftest(_tree("from tests.conftest import free_port\nimport tests.conftest\n"), probe) == \
        ["free_port from tests.conftest", "tests.conftest"]
    module = _tree("""
        @pytest.fixture(scope="module")
        def broker(tmp_path_factory):
            yield 1
        @pytest.fixture
        def storage(storage):
            return storage
        @pytest.fixture(name="runtime")
        def other_runtime():
            return 2
        class TestThing:
            @pytest.fixture
            def chromium(self):
                return 3
        @pytest.mark.usefixtures("broker")
        def console_app():
            pass
    """)
    # As if it sat in tests/sync/: it sees tests/conftest.py's broker, storage, runtime, chromium
    # and console_app (here a function marked usefixtures, which is no fixture).
    assert shadowed_fixtures(TESTS / "sync" / "test_probe.py", module) == [
        "broker (also in conftest.py)", "runtime (also in conftest.py)", "chromium (also in conftest.py)"]


def test_a_conftest_may_not_replace_a_fixture_of_a_conftest_above_it():
    nested = _tree("""
        @pytest.fixture
        def broker(tmp_path):
            yield 1
        @pytest.fixture
        def storage(storage):
            return storage
    """)
    assert shadowed_fixtures(TESTS / "sync" / "server" / "console" / "conftest.py", nested) == \
        ["broker (also in conftest.py)"]
    # The console's own conftest.py is the file itself, not one above it.
    assert shadowed_fixtures(TESTS / "sync" / "server" / "console" / "conftest.py",
                             _parse(TESTS / "sync" / "server" / "console" / "conftest.py")) == []
