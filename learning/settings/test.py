"""Tests: fast hasher, in-memory cache and mail, tasks inline unless a test starts a real worker."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = "test-secret-key-not-for-production-use-0123456789abcdefghijklmnop"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# As production with a shared cache (one process here, so the local cache is shared): query counts match it.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
WAGTAILADMIN_BASE_URL = "http://testserver"
XAPI_ACCOUNT_HOMEPAGE = "http://testserver"
# Tests refresh the expert finder explicitly (tests/insights/test_experts*.py), not after every commit.
EXPERTS_REFRESH_ON_COMMIT = False
ALLOWED_HOSTS = ["*"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Parallel runs against one PostgreSQL server (xdist workers, several checkouts) need distinct test databases.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env("GUILD_TEST_DB_NAME", "test_guild")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Serve static files straight from the finders: no collectstatic step before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Dashboard aggregates: tests fill them explicitly (lag 0), not on every commit (tests of the hook turn it on).
INSIGHTS_FILL_ON_COMMIT = False
