"""`zhengdun verify-audit`: exit 0 with the count on an intact chain, non-zero naming the first
broken entry otherwise."""

from __future__ import annotations

import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengdun.__main__ import _hyphenated_alias, main
from zhengdun.audit.tests.conftest import make_chain, raw_delete, raw_update


def _run(*args: str) -> str:
    out = StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_reports_an_intact_chain(chain):
    entries = chain(4)
    out = _run()
    assert "审计日志完整：共 4 条" in out
    assert entries[-1].hash in out


def test_it_reports_an_empty_log(db):
    assert "审计日志完整：共 0 条" in _run()


def test_it_streams_in_batches(chain, django_assert_max_num_queries):
    chain(9)
    # 5 batches of at most 2 + the head read before and after
    with django_assert_max_num_queries(7):
        out = _run("--batch-size", "2")
    assert "共 9 条" in out


def test_it_fails_on_an_altered_entry(chain):
    chain(5)
    raw_update(4, "data", '{"i": 3, "text": "改过的"}')
    with pytest.raises(CommandError, match="第 4 条内容与哈希不符") as exc:
        _run()
    assert exc.value.returncode == 1


def test_it_fails_on_a_removed_middle_entry(chain):
    chain(5)
    raw_delete(2)
    with pytest.raises(CommandError, match="第 2 条缺失"):
        _run()


def test_it_fails_on_a_removed_last_entry(chain):
    chain(5)
    raw_delete(5)
    with pytest.raises(CommandError, match="第 5 条链尾条目缺失"):
        _run()


def test_it_rejects_a_bad_batch_size(db):
    with pytest.raises(CommandError, match="batch-size"):
        _run("--batch-size", "0")


def test_it_maps_hyphenated_command_names():
    assert _hyphenated_alias(["zhengdun", "verify-audit", "-v", "2"]) == [
        "zhengdun",
        "verify_audit",
        "-v",
        "2",
    ]
    assert _hyphenated_alias(["zhengdun", "verify_audit"]) == ["zhengdun", "verify_audit"]
    assert _hyphenated_alias(["zhengdun", "no-such-thing"]) == ["zhengdun", "no-such-thing"]
    assert _hyphenated_alias(["zhengdun", "--version"]) == ["zhengdun", "--version"]
    assert _hyphenated_alias(["zhengdun"]) == ["zhengdun"]


# The console script ends with connections.close_all(), which a test inside a transaction
# cannot survive; these run with real commits instead.


@pytest.mark.django_db(transaction=True)
def test_the_console_script_exits_0_on_an_intact_chain(monkeypatch, capsys):
    make_chain(3)
    monkeypatch.setattr(sys, "argv", ["zhengdun", "verify-audit"])
    main()
    assert "审计日志完整：共 3 条" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_the_console_script_exits_1_on_a_broken_chain(monkeypatch, capsys):
    make_chain(3)
    raw_update(2, "actor_name", "someone")
    monkeypatch.setattr(sys, "argv", ["zhengdun", "verify-audit"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 1
    assert "第 2 条内容与哈希不符" in capsys.readouterr().err
