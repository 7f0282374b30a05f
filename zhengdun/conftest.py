import pytest

from zhengdun.core.testing import build_city


@pytest.fixture
def city(db):
    """The small test city of zhengdun.core.testing (units, people, one user per role)."""
    return build_city()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
