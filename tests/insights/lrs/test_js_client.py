"""@xapi/xapi (npm) driven by tests/insights/lrs_js/client.js against a live Guild on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from insights.lrs.auth import forget_cached_credentials, lrs_credential_create

JS_DIR = Path(__file__).resolve().parents[1] / "lrs_js"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("baseline_data"),
    pytest.mark.skipif(
        shutil.which("node") is None or not (JS_DIR / "node_modules" / "@xapi" / "xapi").exists(),
        reason="needs node and `npm ci` in tests/insights/lrs_js (make test does it)",
    ),
]


def test_xapi_js_client(live_server):
    forget_cached_credentials()
    credential, secret = lrs_credential_create(name="@xapi/xapi", scope="all")
    env = {
        **os.environ,
        "LRS_ENDPOINT": f"{live_server.url}/xapi/",
        "LRS_KEY": credential.key,
        "LRS_SECRET": secret,
    }
    done = subprocess.run(
        ["node", "client.js"], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary == {
        "versions": ["1.0.3", "2.0.0"],
        "sent": 7,
        "paged": 7,
        "pagedDistinct": 7,
        "authority": "Agent",
        "voided": True,
        "state": 7,
        "statesAfterDelete": 0,
        "attachmentParts": 2,
        "attachmentContent": "certificate of completion",
        "activityName": "JS activity 1",
        "person": "Person",
    }
