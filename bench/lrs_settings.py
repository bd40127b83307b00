"""Django settings for the LRS benchmarks' gunicorn workers: the test settings, with persistent DB connections.

learning.settings.test closes the PostgreSQL connection after every request (CONN_MAX_AGE = 0,
right for test isolation, wrong for a throughput measurement: a connection costs milliseconds).
Imported by gunicorn with `--pythonpath bench`; running it as a script does nothing.
"""

if __name__ != "__main__":
    from learning.settings.test import *  # noqa: F403
    from learning.settings.test import DATABASES

    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
