"""Dependencies point one way, down, and never around a circle (STYLE.md).

The rooms, top to bottom; a room may import only the rooms listed against it in
MAY_IMPORT, which are all below it:

    bot.py      the command line: parses arguments, calls app/
    app         the composition root: create_app(), servers, scheduler, demo, CLIs
    handlers    Bolt listeners       } peers: none imports another (a job never needs
    jobs        APScheduler entry    }   a listener or a worker thread, nor a listener
                points               }   a job; all reach the runtime through what app/
    workers     long-running threads }   passes in)
    services    use cases
    queries     hand-tuned SQL behind typed functions, one module per aggregate, run in
                the caller's transaction: only services use it, and it may use models
                and core only
    blocks      Block Kit builders: pure, they may use domain only
    domain      pure decisions       } import nothing of ours
    models      tables               }
    core        low-level pieces (settings, db, Slack and HTTP clients, crypto, logs,
                metrics): the floor every room may use; it imports nothing of ours

    sandbox     a separate tool, the local Slack API: imports nothing of ours, and only
                app (the demo drives it) and the tests may import it

The graph is built from every module's imports, wherever they are written (inside a
function or under TYPE_CHECKING too: a lazy import is still an arrow). An arrow goes to
the most specific module of ours it names (`from services import delivery` is an arrow
to services.delivery). Importing a module runs its packages' __init__ too, but those
arrows are left out: a package's __init__ that gathers its children would otherwise close
a circle with every child that imports a sibling.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# queries/ is for services only: the rooms above reach the database through use cases.
_BELOW_APP = {"handlers", "jobs", "workers", "services", "blocks", "domain", "models", "core"}
MAY_IMPORT: dict[str, set[str]] = {
    "bot": {"app"} | _BELOW_APP,
    "app": _BELOW_APP | {"sandbox"},
    "handlers": {"services", "blocks", "domain", "models", "core"},
    "jobs": {"services", "blocks", "domain", "models", "core"},
    "workers": {"services", "blocks", "domain", "models", "core"},
    "services": {"queries", "blocks", "domain", "models", "core"},
    "queries": {"models", "core"},
    "blocks": {"domain"},
    "domain": set(),
    "models": set(),
    "core": set(),
    "sandbox": set(),
}
ROOMS = set(MAY_IMPORT)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _our_files() -> dict[str, Path]:
    files = {"bot": ROOT / "bot.py"}
    for room in sorted(ROOMS - {"bot"}):
        for path in sorted((ROOT / room).rglob("*.py")):
            files[_module_name(path)] = path
    return files


FILES = _our_files()


def _package_of(path: Path) -> list[str]:
    parts = _module_name(path).split(".")
    return parts if path.name == "__init__.py" else parts[:-1]


def _names(source: str, package: list[str]) -> Iterator[tuple[str, int]]:
    """Every dotted name a module's source imports, anywhere in it, made absolute, with its
    line: `from a import b` names `a.b` when that is a module of ours, else `a`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([module] if module else [])])
            for alias in node.names:
                full = f"{module}.{alias.name}"
                yield (full if full in FILES else module), node.lineno


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    return _names(path.read_text(), _package_of(path))


def _ours(name: str) -> str | None:
    """The most specific module of ours that `name` is or lies in, else None."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in FILES:
            return candidate
        parts.pop()
    return None


def _graph() -> dict[str, dict[str, int]]:
    """module -> {module it imports: first line}, modules of ours only."""
    graph: dict[str, dict[str, int]] = {}
    for module, path in FILES.items():
        arrows: dict[str, int] = {}
        for name, line in _imports(path):
            target = _ours(name)
            if target is not None and target != module:
                arrows.setdefault(target, line)
        graph[module] = arrows
    return graph


def _room(module: str) -> str:
    return module.split(".")[0]


def _groups(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The groups of modules that import each other, around circles (Tarjan's strongly
    connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One circle through each group of modules that import each other."""
    return [_circle(graph, set(group)) for group in _groups(graph)]


def _circle(graph: dict[str, dict[str, int]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node]):
                if target == start:
                    return [*paths[node], start]
                if target in group and target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no circle in {sorted(group)}")


GRAPH = _graph()


def test_every_installed_package_is_a_room() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in included}
    assert packages == ROOMS - {"bot"}, "pyproject's packages and MAY_IMPORT's rooms differ"


def test_the_rooms_are_an_order() -> None:
    assert set().union(*MAY_IMPORT.values()) <= ROOMS
    rooms = {room: dict.fromkeys(below, 0) for room, below in MAY_IMPORT.items()}
    assert not _groups(rooms), "MAY_IMPORT lets rooms import each other around a circle"


def test_no_import_cycles() -> None:
    circles = [
        f"{' -> '.join(_circle(GRAPH, set(group)))} (all of: {', '.join(group)})"
        for group in _groups(GRAPH)
    ]
    assert not circles, "import circles between our modules:\n" + "\n".join(circles)


def test_imports_point_down() -> None:
    wrong = []
    for module, arrows in sorted(GRAPH.items()):
        room = _room(module)
        for target, line in sorted(arrows.items()):
            if _room(target) != room and _room(target) not in MAY_IMPORT[room]:
                where = FILES[module].relative_to(ROOT)
                wrong.append(f"{where}:{line}: {module} -> {target} ({room} may not use it)")
    assert not wrong, "imports that go up or across the rooms:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    ("graph", "circle"),
    [
        ({"a": {"b": 1}, "b": {"a": 1}}, ["a", "b", "a"]),
        ({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1, "d": 1}, "d": {}}, ["a", "b", "c", "a"]),
    ],
)
def test_cycles_are_found_and_spelled_out(
    graph: dict[str, dict[str, int]], circle: list[str]
) -> None:
    assert _cycles(graph) == [circle]
    assert _cycles({"a": {"b": 1}, "b": {}}) == []


def test_lazy_relative_and_type_checking_imports_are_arrows() -> None:
    source = """
from typing import TYPE_CHECKING
from services import delivery, scheduling
from .. import middleware
from ..errors import after_ack
if TYPE_CHECKING:
    from app.assembly import Runtime
def later():
    import jobs.digest
"""
    names = {name for name, _ in _names(source, ["handlers", "events"])}
    assert {"services.delivery", "services.scheduling", "handlers.middleware"} <= names
    assert {"handlers.errors", "app.assembly", "jobs.digest", "typing"} <= names
    assert _ours("handlers.errors.after_ack") == "handlers.errors"
    assert _ours("httpx") is None


def test_domain_does_no_io() -> None:
    io_modules = {
        "socket",
        "httpx",
        "sqlalchemy",
        "sqlmodel",
        "slack_sdk",
        "slack_bolt",
        "requests",
    }
    for path in (ROOT / "domain").rglob("*.py"):
        bad = {name.split(".")[0] for name, _ in _imports(path)} & io_modules
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
