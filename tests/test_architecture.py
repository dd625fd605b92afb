"""Dependencies point one way (STYLE.md): handlers, jobs -> services -> domain, models, blocks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"core", "handlers", "domain", "services", "blocks", "models", "jobs", "sandbox", "bot"}

# package -> packages of ours it must never import
FORBIDDEN = {
    "domain": OURS - {"domain"},
    "models": OURS - {"models"},
    "blocks": {"handlers", "services", "jobs", "core", "sandbox", "models"},
    "services": {"handlers", "jobs", "sandbox"},
    "handlers": {"sandbox", "jobs"},
    "core": {"sandbox"},
}
# The demo drives the real app through the sandbox, which is its whole point.
ALLOWED = {"core/demo.py": {"sandbox"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        allowed = ALLOWED.get(str(path.relative_to(ROOT)), set())
        bad = _imports(path) & FORBIDDEN[package] - allowed
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


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
        bad = _imports(path) & io_modules
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
