"""Local development: `make run`. Debug on, a fixed insecure key, mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = True
SECRET_KEY = env("SECRET_KEY", "django-insecure-guild-dev-only-key-never-use-in-production-0123456789")
INTERNAL_IPS = ["127.0.0.1"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# runserver is one process, so its local cache is shared by every request: sessions come from it.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
