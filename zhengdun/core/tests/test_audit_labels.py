"""Every audit action code recorded anywhere has a Chinese label (the foundation's in
audit.codes, each capability's through core.hooks.AUDIT_LABELS): the audit pages never show a
user a raw code such as `auth.login` or `rectification.task_added`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from zhengdun.audit.codes import action_label

ROOT = Path(__file__).resolve().parents[2]
# the calls that take an action code, and the position of the code among their arguments
CALLS = {"record": 1, "serve": 2, "_finish": 1}
# codes made at run time, expanded by hand (clues.configuration.set_active)
DYNAMIC = ["category.enabled", "category.disabled", "channel.enabled", "channel.disabled"]


def _literals(node: ast.AST | None) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def recorded_codes() -> dict[str, str]:
    """Each literal action code passed to record() (or serve()/_finish(), which record it) in
    the project's non-test modules, with one place it is used."""
    codes: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in CALLS:
                continue
            position = CALLS[name]
            arg = node.args[position] if len(node.args) > position else None
            arg = arg or next((k.value for k in node.keywords if k.arg == "action"), None)
            for code in _literals(arg):
                if "." in code:
                    codes.setdefault(code, f"{path.relative_to(ROOT)}:{node.lineno}")
    return codes


def test_it_finds_the_codes_of_every_layer() -> None:
    codes = recorded_codes()
    for code in ["auth.login", "rectification.task_added", "selfreport.submitted", "leniency.confirmed"]:
        assert code in codes
    assert len(codes) > 40


@pytest.mark.parametrize("code", sorted(set(recorded_codes()) | set(DYNAMIC)))
def test_every_recorded_code_has_a_chinese_label(code: str) -> None:
    label = action_label(code)
    assert label != code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in label), label


def test_clue_workflow_events_are_labelled_through_the_clue_resolver() -> None:
    from zhengdun.clues.workflow import ACTIONS, EVENT_LABELS

    for event in [*ACTIONS, *EVENT_LABELS]:
        assert action_label(f"clue.{event}").startswith("线索：")
        assert action_label(f"clue.{event}") != f"线索：{event}"


def test_the_known_labels() -> None:
    assert action_label("auth.login") == "登录"
    assert action_label("rectification.task_added") == "增加整改任务"
    assert action_label("category.disabled") == "停用线索类别"
    assert action_label("no.such_code") == "no.such_code"  # shown as is rather than hidden
