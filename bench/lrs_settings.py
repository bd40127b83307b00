"""Django settings for the LRS benchmarks' gunicorn workers: the test settings, with persistent DB connections.

learning.settings.test closes the PostgreSQL connection after every request (CONN_MAX_AGE = 0,
right for test isolation, wrong for a throughput measurement: a connection costs milliseconds), and
serves static files with WhiteNoise's autorefresh, which production does not.
Imported by gunicorn with `--pythonpath bench`; running it as a script does nothing.
"""

if __name__ != "__main__":
    from learning.settings.test import *  # noqa: F403
    from learning.settings.test import DATABASES

    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    # As in production: the test settings' autorefresh looks every request's path up in the static-file
    # finders (~0.3 ms of CPU per request, which production never pays). Files are still found at startup.
    WHITENOISE_AUTOREFRESH = False
