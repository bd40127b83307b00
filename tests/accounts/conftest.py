from __future__ import annotations

import pytest

from tests.accounts.world import make_world


@pytest.fixture(autouse=True)
def _old_accounts(settings):
    settings.DISCUSSIONS_NEW_ACCOUNT_DAYS = 0


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path
