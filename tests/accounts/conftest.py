from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _old_accounts(old_accounts):
    """Every test here: no new-account posting limit."""


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path
