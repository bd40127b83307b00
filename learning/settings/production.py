"""Production: everything from the environment, HTTPS-only cookies, hashed static files."""

from .base import *  # noqa: F403
from .base import STORAGES, env, env_bool, env_int, require_secret_key

DEBUG = False
SECRET_KEY = require_secret_key(env("SECRET_KEY", ""))

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL", "")}
        if env("CACHE_URL", "")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# With a shared cache, sessions are read from it and written through to the database (no query per request).
# Without one each worker has its own cache, where a logout elsewhere would go unnoticed: stay on the database.
if env("CACHE_URL", ""):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
