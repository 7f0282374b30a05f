"""The foundation does not reach up: no module of core, org, accounts or audit imports a
capability app, at the top or lazily inside a function. Capabilities plug in through core.hooks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the zhengdun package
FOUNDATION = ("core", "org", "accounts", "audit")
CAPABILITIES = ("clues", "selfreports", "rectification", "supervision", "statistics", "exchange", "portal")


def _modules() -> list[Path]:
    found = []
    for app in FOUNDATION:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or path.name == "testing.py":
                continue  # tests and test fixtures may use anything
            found.append(path)
    return found


def upward_imports(source: str) -> list[str]:
    """The capability modules a source imports (import x / from x import y / importlib strings)."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names = [node.args[0].value]
        for name in names:
            parts = name.split(".")
            if len(parts) >= 2 and parts[0] == "zhengdun" and parts[1] in CAPABILITIES:
                bad.append(name)
    return sorted(set(bad))


def test_it_finds_the_foundation_modules() -> None:
    paths = {p.relative_to(ROOT).as_posix() for p in _modules()}
    assert {"core/hooks.py", "core/todo.py", "core/scheduler.py", "audit/codes.py"} <= paths


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_foundation_module_imports_a_capability(path: Path) -> None:
    assert upward_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import zhengdun.clues.models",
        "from zhengdun.selfreports.views.reports import filter_reports",
        "def f():\n    from zhengdun.rectification import actions\n",
        "from zhengdun import clues",
        "import importlib\nimportlib.import_module('zhengdun.portal.views')",
    ],
)
def test_the_check_catches_each_form_of_import(source: str) -> None:
    assert upward_imports(source)


def test_the_check_lets_foundation_imports_through() -> None:
    assert upward_imports("from zhengdun.core import hooks\nimport zhengdun.org.models\n") == []
