"""Settings shared by every environment: safe by default, secrets and services from the environment."""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from learning.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env("GUILD_DATA_DIR", str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "accounts",
    "home",
    "courses",
    "discussions",
    "insights",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "learning.urls"
WSGI_APPLICATION = "learning.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_env() -> dict:
    """DATABASE_URL wins; unset or empty (dj-database-url returns {} for "") means the embedded SQLite."""
    url = env("DATABASE_URL", "")
    if url:
        return dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "guild.sqlite3"),
        "OPTIONS": {
            # WAL lets readers proceed while a writer commits; IMMEDIATE avoids lock-upgrade deadlocks.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# ModelBackend, reading the header's admin link, unread count and moderator flag with the user (home/auth.py).
AUTHENTICATION_BACKENDS = ["home.auth.HeaderUserBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = None  # show the styled "You're logged out" page (accounts/logged_out.html)

LANGUAGE_CODE = "en"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Wagtail: no outbound calls from the admin (update check, gravatar).
WAGTAIL_SITE_NAME = "Guild"
WAGTAILADMIN_BASE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "csv", "zip"]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
TAGGIT_CASE_INSENSITIVE = True

# Celery: with no broker configured every task runs inline, so `make run` needs no servers.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "forward-statements-sweep": {
        "task": "insights.tasks.forward_statements_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "insights-fill-aggregates": {
        "task": "insights.dashboards.tasks.fill_insights",
        "schedule": crontab(minute="*"),
    },
    "discussions-daily-digest": {
        "task": "discussions.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "expertise-refresh": {
        "task": "insights.tasks.expertise_refresh_task",
        "schedule": crontab(minute="*/10"),
    },
    "expertise-refresh-full": {
        "task": "insights.tasks.expertise_refresh_task",
        "schedule": crontab(hour=3, minute=30),
        "kwargs": {"full": True},
    },
    "questions-route": {
        "task": "discussions.tasks.route_unanswered_questions",
        "schedule": crontab(minute="*/15"),
    },
}

# xAPI: actor accounts live under this homePage; IRIs Guild mints live under the site URL.
XAPI_ACCOUNT_HOMEPAGE = env("XAPI_ACCOUNT_HOMEPAGE", WAGTAILADMIN_BASE_URL)
XAPI_PLATFORM = "Guild"
XAPI_LANGUAGE = "en"
XAPI_LRS_ENDPOINT = env("XAPI_LRS_ENDPOINT", "").rstrip("/")
XAPI_LRS_KEY = env("XAPI_LRS_KEY", "")
XAPI_LRS_SECRET = env("XAPI_LRS_SECRET", "")
XAPI_LRS_TIMEOUT = float(env("XAPI_LRS_TIMEOUT", "10"))
XAPI_FORWARD_BATCH_SIZE = env_int("XAPI_FORWARD_BATCH_SIZE", 100)
XAPI_FORWARD_MAX_ATTEMPTS = env_int("XAPI_FORWARD_MAX_ATTEMPTS", 4)
# Shared note text leaves Guild in statements and exports only when this is on.
XAPI_EXPORT_SHARED_NOTE_TEXT = env_bool("XAPI_EXPORT_SHARED_NOTE_TEXT", False)
# A lesson view is recorded as `experienced` at most once per learner and lesson in this window.
XAPI_EXPERIENCED_WINDOW_SECONDS = env_int("XAPI_EXPERIENCED_WINDOW_SECONDS", 30 * 60)
# Dashboards: the aggregate fill reads statements stored at least this long ago (transactions still committing),
# and runs at most once per debounce window after commits (plus every minute from Celery beat).
INSIGHTS_FILL_LAG_SECONDS = env_int("INSIGHTS_FILL_LAG_SECONDS", 5)
INSIGHTS_FILL_DEBOUNCE_SECONDS = env_int("INSIGHTS_FILL_DEBOUNCE_SECONDS", 10)
INSIGHTS_FILL_ON_COMMIT = True

# Discussions: posts with this many open flags are hidden pending review; accounts younger than
# DISCUSSIONS_NEW_ACCOUNT_DAYS may post this many threads and replies an hour.
DISCUSSIONS_FLAG_HIDE_THRESHOLD = env_int("DISCUSSIONS_FLAG_HIDE_THRESHOLD", 3)
DISCUSSIONS_NEW_ACCOUNT_DAYS = env_int("DISCUSSIONS_NEW_ACCOUNT_DAYS", 7)
DISCUSSIONS_NEW_ACCOUNT_POSTS_PER_HOUR = env_int("DISCUSSIONS_NEW_ACCOUNT_POSTS_PER_HOUR", 5)
DISCUSSIONS_THREADS_PER_PAGE = 20

# Who knows this (insights/experts.py): evidence loses half its weight every EXPERTS_HALF_LIFE_DAYS;
# EXPERTS_WEIGHTS may override any field of insights.experts.Weights. The refresh runs after commits
# (at most once per EXPERTS_REFRESH_DEBOUNCE_SECONDS) and on the beat.
EXPERTS_HALF_LIFE_DAYS = env_int("EXPERTS_HALF_LIFE_DAYS", 180)
EXPERTS_WEIGHTS: dict[str, float] = {}
EXPERTS_REFRESH_ON_COMMIT = True
EXPERTS_REFRESH_DEBOUNCE_SECONDS = env_int("EXPERTS_REFRESH_DEBOUNCE_SECONDS", 60)
# Routing unanswered questions: to the top helpers after ROUTING_HELPERS_AFTER_HOURS, then to the
# course's authors ROUTING_AUTHORS_AFTER_HOURS later; nobody gets more than ROUTING_DAILY_CAP a day.
ROUTING_HELPERS_AFTER_HOURS = env_int("ROUTING_HELPERS_AFTER_HOURS", 24)
ROUTING_AUTHORS_AFTER_HOURS = env_int("ROUTING_AUTHORS_AFTER_HOURS", 24)
ROUTING_HELPERS_PER_QUESTION = env_int("ROUTING_HELPERS_PER_QUESTION", 2)
ROUTING_DAILY_CAP = env_int("ROUTING_DAILY_CAP", 3)
ROUTING_MAX_AGE_DAYS = env_int("ROUTING_MAX_AGE_DAYS", 14)

# E-mail: console by default; set EMAIL_HOST (and friends) for SMTP.
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Guild <guild@localhost>")
# Uploaded images and documents: served by Django only when asked (single-box installs); use a
# web server or object storage in front of MEDIA_ROOT for larger sites.
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

SESSION_COOKIE_HTTPONLY = True
# Sessions in the database; settings where every process shares one cache read them from it (see production.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


def require_secret_key(key: str) -> str:
    if not key or key.startswith("django-insecure") or len(key) < 50:
        raise ImproperlyConfigured("Set SECRET_KEY to a random string of 50+ characters in production.")
    return key
