"""The tests' own layout (STYLE.md): shared helpers live in tests/support, so no test file,
helper, benchmark or script imports from a test file or from a conftest.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Everything that may use a test helper: the tests themselves, the benchmarks, the scripts.
USERS = ("tests", "bench", "scripts")


def _python_files() -> list[Path]:
    return sorted(path for top in USERS for path in (ROOT / top).rglob("*.py"))


def _imported_modules(source: str, where: Path) -> set[str]:
    """Every module `source` (the text of the file `where`) imports, as dotted names.

    Relative imports are resolved against the file's package. For `from package import
    name`, both `package` and `package.name` are listed: the name may itself be a module
    (`from tests.handlers import test_launch`).
    """
    package = where.relative_to(ROOT).parent.parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=str(where))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def _test_modules(modules: set[str]) -> list[str]:
    """The modules whose file name starts with test_."""
    return sorted(m for m in modules if m.rsplit(".", 1)[-1].startswith("test_"))


def test_the_checked_files_are_found() -> None:
    files = _python_files()
    assert Path(__file__).resolve() in files
    assert any(path.parent.name == "support" for path in files)


def test_nothing_imports_from_a_test_file() -> None:
    """A helper another file needs belongs in tests/support, not in a test_*.py."""
    bad = {
        str(path.relative_to(ROOT)): found
        for path in _python_files()
        if (found := _test_modules(_imported_modules(path.read_text(), path)))
    }
    assert not bad, f"move what these import into tests/support: {bad}"


def test_nothing_imports_from_a_conftest() -> None:
    """conftest.py holds fixtures, which pytest injects; helpers come from tests/support."""
    bad = {
        str(path.relative_to(ROOT)): found
        for path in _python_files()
        if (
            found := sorted(
                m
                for m in _imported_modules(path.read_text(), path)
                if m.rsplit(".", 1)[-1] == "conftest"
            )
        )
    }
    assert not bad, f"move what these import into tests/support: {bad}"


@pytest.mark.parametrize(
    "source",
    [
        "from tests.handlers.test_launch import state",
        "import tests.test_delivery_crash",
        "from tests.handlers import test_votes",
        "from .test_votes import react",
        "from . import test_feedback",
        "def helper():\n    from tests.handlers.test_votes import react\n",
    ],
)
def test_every_form_of_importing_a_test_file_is_seen(source: str) -> None:
    where = ROOT / "tests" / "handlers" / "test_example.py"  # parsed, never written
    assert _test_modules(_imported_modules(source, where))


def test_importing_from_support_is_fine() -> None:
    where = ROOT / "tests" / "handlers" / "test_example.py"
    source = "from tests.support.launching import state\nfrom ..support import waiting\n"
    assert _test_modules(_imported_modules(source, where)) == []
