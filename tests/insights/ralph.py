"""A real external LRS for the forwarding tests and bench: Ralph 5.1 (openfun/ralph) on 127.0.0.1.

Ralph lives in its own venv (`make ralph` → .venv-ralph, from requirements-ralph.txt). We use its
filesystem backend (`RALPH_RUNSERVER_BACKEND=fs`): statements land as JSON lines in
`<directory>/data/fs_lrs.jsonl`, which the tests read to count deliveries by id.

Two things differ from `ralph runserver -b fs`:
- Writes APPEND. The fs backend's default operation type is CREATE, which refuses to write to an
  existing file, so every POST after the first answers 500 ("Statements bulk indexation failed").
  No setting or CLI option changes it, so a three-line bootstrap, run with the Ralph venv's Python,
  sets `FSLRSBackend.default_operation_type = APPEND` before serving `ralph.api:app` with uvicorn.
- No auto-reload (runserver watches the working directory and restarts the app on changes).
The credentials file is written by the real CLI: `ralph auth --write-to-disk` (bcrypt hash).

What Ralph answers (read from ralph/api/routers/statements.py, and asserted by the tests):
200 + the ids it newly stored; ids it already holds with equivalent content are dropped (204 when
that leaves nothing); 409 when an id is held with different content (whole batch refused); 422 when
a statement fails its (lax) model, e.g. an actor without an identifier or an object without an id;
400 for a body that is not JSON or an empty list. It does not check X-Experience-API-Version.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
RALPH_VENV = Path(os.environ.get("GUILD_RALPH_VENV", ROOT / ".venv-ralph"))
RALPH_BIN = RALPH_VENV / "bin" / "ralph"
RALPH_PYTHON = RALPH_VENV / "bin" / "python"
USERNAME = "guild-forwarder"
PASSWORD = "forwarding-test-secret"  # a throwaway credential for a loopback test server
AUTHORITY_HOMEPAGE = "http://testserver"
_AUTH_TEMPLATE: Path | None = None

BOOTSTRAP = """
import sys
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def ralph_available() -> bool:
    return RALPH_BIN.exists() and RALPH_PYTHON.exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RalphServer:
    """One Ralph process with its own data directory. `stop()` then `start()` keeps port and data."""

    def __init__(self, directory: Path, *, port: int | None = None) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = self.directory / "ralph.log"

    # Where Guild sends statements: Ralph serves the xAPI resources under /xAPI.
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/xAPI"

    @property
    def data_file(self) -> Path:
        return self.directory / "data" / "fs_lrs.jsonl"

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Django settings that point forwarding at this server (for override_settings)."""
        return {
            "XAPI_LRS_ENDPOINT": self.endpoint,
            "XAPI_LRS_KEY": USERNAME,
            "XAPI_LRS_SECRET": PASSWORD,
            **extra,
        }

    def _env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("RALPH_")}
        env.update(
            {
                "RALPH_RUNSERVER_BACKEND": "fs",
                "RALPH_APP_DIR": str(self.directory / "app"),
                "RALPH_AUTH_FILE": str(self.directory / "auth.json"),
                "RALPH_HISTORY_FILE": str(self.directory / "history.json"),
                "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.directory / "data"),
                "RALPH_BACKENDS__LRS__FS__DEFAULT_LRS_FILE": "fs_lrs.jsonl",
            }
        )
        return env

    def _write_credentials(self) -> None:
        """`ralph auth` once per process (bcrypt and imports take seconds); later servers copy its file."""
        global _AUTH_TEMPLATE
        auth_file = self.directory / "auth.json"
        if auth_file.exists():
            return
        if _AUTH_TEMPLATE is not None and _AUTH_TEMPLATE.exists():
            shutil.copyfile(_AUTH_TEMPLATE, auth_file)
            return
        subprocess.run(
            [
                str(RALPH_BIN),
                "auth",
                "--username",
                USERNAME,
                "--password",
                PASSWORD,
                "--scope",
                "all",
                "--agent-ifi-account",
                USERNAME,
                AUTHORITY_HOMEPAGE,
                "--write-to-disk",
            ],
            cwd=self.directory,
            env=self._env(),
            check=True,
            capture_output=True,
            timeout=60,
        )
        _AUTH_TEMPLATE = auth_file

    def start(self, *, wait: float = 30.0) -> RalphServer:
        if not ralph_available():
            raise RuntimeError(f"Ralph is not installed at {RALPH_VENV}: run `make ralph`.")
        self._write_credentials()
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(RALPH_PYTHON), "-c", BOOTSTRAP, "127.0.0.1", str(self.port)],
            cwd=self.directory,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._wait_until_ready(wait)
        return self

    def _wait_until_ready(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Ralph exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(f"{self.base_url}/__heartbeat__", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Ralph did not answer on {self.base_url} within {wait}s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def reset(self) -> None:
        """Forget every statement (the server must be stopped, or between requests)."""
        shutil.rmtree(self.directory / "data", ignore_errors=True)

    # --- What the LRS holds ---------------------------------------------------------------------------

    def stored(self) -> list[dict[str, Any]]:
        """Every statement Ralph wrote, in order, duplicates included (there should be none)."""
        if not self.data_file.exists():
            return []
        with self.data_file.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]

    def stored_ids(self) -> list[str]:
        return [statement["id"] for statement in self.stored()]

    def get_statement(self, statement_id: str) -> requests.Response:
        return requests.get(
            f"{self.endpoint}/statements",
            params={"statementId": statement_id},
            auth=(USERNAME, PASSWORD),
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=10,
        )

    def __enter__(self) -> RalphServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class StalledLRS:
    """A TCP server on 127.0.0.1 that accepts connections, reads, and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.accepted = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            self.connections.append(conn)  # keep it open, say nothing

    def __enter__(self) -> StalledLRS:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        for conn in self.connections:
            conn.close()
        self.sock.close()
