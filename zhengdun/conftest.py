import pytest

from zhengdun.core.testing import build_city


@pytest.fixture
def city(db):
    """The small test city of zhengdun.core.testing (units, people, one user per role)."""
    # A transactional test's flush empties the tables the data migration filled; put the
    # reference lists back (idempotent) so test order never matters.
    from zhengdun.clues.seeding import ensure_reference_data
    from zhengdun.rectification.default_templates import ensure_templates

    ensure_reference_data()
    ensure_templates()
    return build_city()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
