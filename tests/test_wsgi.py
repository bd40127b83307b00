"""The production WSGI entry point (learning/wsgi.py), loaded as gunicorn loads it: in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import gc, io, json, sys
import learning.wsgi as wsgi

# Startup's objects are out of the collector's sight: a full collection walks only what requests allocate.
assert gc.get_freeze_count() > 50_000, gc.get_freeze_count()
status = []
body = b"".join(wsgi.application(
    {"REQUEST_METHOD": "GET", "PATH_INFO": "/xapi/about", "QUERY_STRING": "", "SERVER_NAME": "testserver",
     "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr},
    lambda s, headers: status.append(s),
))
print(status[0], json.loads(body)["version"])
"""


def test_the_wsgi_application_serves_after_freezing_startup_objects(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "learning.settings.test", "GUILD_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[0] == "200 OK ['1.0.3', '2.0.0']"
