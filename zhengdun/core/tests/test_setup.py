"""`zhengdun setup`, `zhengdun seed` and `zhengdun serve` against a real (test) database."""

from __future__ import annotations

import io
import stat

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengdun.accounts.models import RoleAssignment, User
from zhengdun.accounts.security import password_expired
from zhengdun.audit.chain import verify_chain
from zhengdun.audit.models import Entry
from zhengdun.core import crypto, idcard, seeding
from zhengdun.core.management.commands import serve
from zhengdun.org.models import Person, Posting, Unit

SMALL = 400  # enough for every unit to have staff, small enough to keep the suite quick


@pytest.fixture
def data_dir(settings, tmp_path):
    """Keep the demo-logins file and collected static files out of the real data directory."""
    settings.DATA_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    return tmp_path


@pytest.fixture(autouse=True)
def _city_only(settings):
    # these tests are about the city and the commands; demo clues have their own test
    settings.DEMO_RECORDS = False


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def small_city(monkeypatch):
    """Make setup seed a small city so that its tests stay fast."""
    real = seeding.plan_city
    monkeypatch.setattr(
        seeding, "plan_city", lambda seed=seeding.DEFAULT_SEED, officers=SMALL: real(seed, officers)
    )


@pytest.mark.django_db(transaction=True)
def test_it_sets_up_once_and_then_only_reports(data_dir, small_city, settings):
    settings.HOST, settings.PORT = "127.0.0.1", 8123
    first = run("setup")
    units, people = Unit.objects.count(), Person.objects.count()
    assert people == SMALL
    assert units > 100
    assert "已写入演示城市" in first
    assert (data_dir / "static" / "zhengdun" / "app.css").exists()

    second = run("setup")
    assert (Unit.objects.count(), Person.objects.count()) == (units, people)
    assert "未写入演示数据" in second
    assert Entry.objects.filter(action="seed.demo_city").count() == 1

    logins = seeding.read_logins(data_dir)
    assert {lg.username for lg in logins} == {
        "office", "leader", "county_leader", "unit_handler", "inspector",
        "officer", "sysadmin", "secadmin", "auditor",
    }  # fmt: skip
    for output in (first, second):
        assert "http://127.0.0.1:8123/" in output
        for login in logins:
            assert login.username in output
            assert login.password in output


@pytest.mark.django_db
def test_it_does_not_seed_with_no_demo(data_dir):
    out = run("setup", no_demo=True)
    assert Unit.objects.count() == 0
    assert "--no-demo" in out
    assert "没有演示账号" in out


@pytest.mark.django_db
def test_it_writes_the_logins_file_for_the_owner_only(data_dir):
    run("seed", officers=SMALL)
    path = data_dir / seeding.DEMO_LOGINS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.django_db
def test_every_demo_login_authenticates_with_its_role(data_dir):
    run("seed", officers=SMALL)
    expected = {
        "office": ("office_handler", "临江市"),
        "leader": ("leader", "临江市"),
        "county_leader": ("leader", "城东区"),
        "unit_handler": ("unit_handler", "城东区人民法院"),
        "inspector": ("inspector", "临江市"),
        "officer": ("officer", None),
        "sysadmin": ("system_admin", "临江市"),
        "secadmin": ("security_admin", "临江市"),
        "auditor": ("audit_admin", "临江市"),
    }
    logins = seeding.read_logins(data_dir)
    assert len(logins) == len(expected)
    for login in logins:
        user = authenticate(None, username=login.username, password=login.password)
        assert user is not None, login.username
        assert authenticate(None, username=login.username, password=login.password + "x") is None
        assert not user.must_change_password
        assert not password_expired(user)
        grants = list(RoleAssignment.objects.filter(user=user).select_related("unit"))
        role, unit_name = expected[login.username]
        assert [g.role for g in grants] == [role]
        if unit_name:
            assert grants[0].unit.name == unit_name
        else:
            assert grants[0].unit.type == Unit.Type.POLICE_STATION
    for username in ("officer", "leader", "county_leader", "office", "unit_handler"):
        user = User.objects.get(username=username)
        assert user.person is not None
        assert user.person.unit_id == user.unit_id
        assert user.display_name == user.person.name
    assert User.objects.get(username="officer").person.unit.type == Unit.Type.POLICE_STATION


@pytest.mark.django_db
def test_it_writes_the_plan_it_was_given(data_dir):
    run("seed", officers=SMALL, seed=11)
    plan = seeding.plan_city(seed=11, officers=SMALL)
    stored = list(Person.objects.order_by("id").values_list("name", "police_no", "unit__code"))
    codes = {u.key: u.code for u in plan.units}
    assert stored == [(p.name, p.police_no, codes[p.unit_key]) for p in plan.people]
    assert Posting.objects.count() == sum(len(p.postings) for p in plan.people)
    assert Posting.objects.filter(ended_on__isnull=True).count() == SMALL


@pytest.mark.django_db
def test_it_stores_id_numbers_encrypted_and_valid(data_dir):
    run("seed", officers=SMALL)
    for person in Person.objects.all()[:50]:
        number = crypto.decrypt(person.id_cipher)
        assert idcard.normalize(number) == number
        assert person.id_digest == crypto.digest(number)
        assert person.id_masked == idcard.mask(number)
        assert number not in person.id_masked
    assert Person.objects.search(crypto.decrypt(Person.objects.first().id_cipher)).count() == 1


@pytest.mark.django_db
def test_it_builds_the_tree_through_the_unit_actions(data_dir):
    run("seed", officers=SMALL)
    root = Unit.objects.get(parent=None)
    assert root.name == "临江市"
    assert Unit.objects.subtree_of(root).count() == Unit.objects.count()
    station = Unit.objects.filter(type=Unit.Type.POLICE_STATION, code__startswith="C379902").first()
    assert [u.name for u in station.ancestors()] == ["临江市", "城东区", "城东区公安局"]
    assert station.region_code_effective() == "379902"


@pytest.mark.django_db
def test_it_audits_the_people_in_one_entry_and_keeps_the_chain_intact(data_dir):
    run("seed", officers=SMALL)
    entry = Entry.objects.get(action="seed.demo_city")
    assert entry.data["people"] == SMALL
    assert entry.data["units"] == Unit.objects.count()
    assert entry.actor_id is None
    assert not Entry.objects.filter(action="person.created").exists()
    assert list(verify_chain()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("officers", [300, 1500])
def test_the_head_count_scales(data_dir, officers):
    run("seed", officers=officers)
    assert Person.objects.count() == officers
    assert Person.objects.filter(unit__type=Unit.Type.POLICE_STATION).exists()


@pytest.mark.django_db
def test_seed_refuses_a_database_that_has_units(data_dir, city):
    people = Person.objects.count()
    with pytest.raises(CommandError, match="已有单位数据"):
        run("seed", officers=SMALL)
    assert Person.objects.count() == people
    assert not (data_dir / seeding.DEMO_LOGINS_FILE).exists()


@pytest.mark.django_db
def test_seed_refuses_a_taken_demo_username_and_writes_nothing(data_dir):
    User.objects.create_user("auditor", password="Xx-12345678")
    with pytest.raises(CommandError, match="auditor"):
        run("seed", officers=SMALL)
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_seed_refuses_too_few_officers(data_dir):
    with pytest.raises(CommandError, match="至少需要"):
        run("seed", officers=5)
    assert Unit.objects.count() == 0


def test_serve_runs_granian_with_the_configured_address(settings, tmp_path, monkeypatch):
    settings.HOST, settings.PORT, settings.WORKERS, settings.DEBUG = "0.0.0.0", 8765, 3, False  # noqa: S104
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text("{}")
    calls = []
    monkeypatch.setattr(serve.os, "execv", lambda path, argv: calls.append((path, argv)))
    out = run("serve")
    ((path, argv),) = calls
    assert path == argv[0] and path.endswith("granian")
    joined = " ".join(argv[1:])
    assert "--interface wsgi" in joined
    assert "--host 0.0.0.0 --port 8765 --workers 3" in joined
    assert f"--blocking-threads {serve.DEFAULT_THREADS} --backpressure {serve.DEFAULT_THREADS}" in joined
    assert argv[-1] == "zhengdun.config.wsgi:application"
    assert "http://127.0.0.1:8765/" in out

    calls.clear()
    run("serve", host="127.0.0.2", port=9000, workers=1, threads=2)
    assert "--host 127.0.0.2 --port 9000 --workers 1 --blocking-threads 2" in " ".join(calls[0][1])


def test_serve_refuses_to_start_without_collected_static_files(settings, tmp_path, monkeypatch):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    monkeypatch.setattr(serve.os, "execv", lambda *a: pytest.fail("must not start"))
    with pytest.raises(CommandError, match="zhengdun setup"):
        run("serve")
