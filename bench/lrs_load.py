"""LRS load benchmark: POST batches of varied statements over HTTP with concurrency, then page them back.

Guild is served by gunicorn (2 sync workers by default) on SQLite (default) or PostgreSQL
(DATABASE_URL); Ralph 5.1 (fs backend, APPEND; `make ralph`) runs the same client for the ratio.
Prints statements/s for ingest and for paging reads through `more` links (wall), and ingest statements
per CPU-second of the server's own processes (gunicorn master + workers, or Ralph's; not the database
server's), which says more than wall time on a busy machine, and where the machine's CPU went while
ingesting (server, PostgreSQL, this client, idle), per statement. Never asserts timings.

    python bench/lrs_load.py                                     # SQLite + Ralph
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/lrs_load.py --statements 100000
    python bench/lrs_load.py --targets guild --batch 200 --concurrency 16
    python bench/lrs_load.py --threads 4                          # gunicorn's gthread worker, 2 × 4 threads
    DATABASE_URL=… python bench/lrs_load.py --statements 100000 --rounds 3   # Guild, Ralph, three times: median ratio
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from _setup import cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VERBS = [
    "http://adlnet.gov/expapi/verbs/experienced",
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/answered",
    "http://adlnet.gov/expapi/verbs/attempted",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
    "http://id.tincanapi.com/verb/rated",
    "https://w3id.org/xapi/acrossx/verbs/posted",
]


def generate(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """Varied, valid statements: 500 agents (mbox and account), 8 verbs, 2,000 activities in 40 courses."""
    rng = random.Random(seed)
    statements = []
    for _ in range(count):
        n = rng.randrange(500)
        actor: dict[str, Any] = (
            {"objectType": "Agent", "mbox": f"mailto:learner{n}@example.com", "name": f"Learner {n}"}
            if n % 2
            else {"objectType": "Agent", "account": {"homePage": "https://sso.example.com", "name": f"u{n}"}}
        )
        activity = rng.randrange(2000)
        course = activity % 40
        verb = rng.choice(VERBS)
        statement: dict[str, Any] = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": actor,
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
            "object": {
                "objectType": "Activity",
                "id": f"https://content.example.com/activities/{activity}",
                "definition": {
                    "type": "http://adlnet.gov/expapi/activities/lesson",
                    "name": {"en-US": f"Lesson {activity}"},
                },
            },
            "context": {
                "registration": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "platform": "bench",
                "contextActivities": {
                    "parent": [{"id": f"https://content.example.com/courses/{course}"}],
                    "grouping": [{"id": f"https://content.example.com/programmes/{course % 5}"}],
                },
            },
            "timestamp": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00.000Z",
        }
        if verb.endswith(("answered", "passed", "failed")):
            raw = rng.randint(0, 10)
            statement["result"] = {
                "score": {"raw": raw, "min": 0, "max": 10, "scaled": raw / 10},
                "success": raw >= 6,
                "completion": True,
                "duration": f"PT{rng.randint(1, 600)}S",
            }
        statements.append(statement)
    return statements


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a server process and its children (gunicorn's
    workers), from /proc; 0.0 where /proc is not available. The database server's own CPU is not in it."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            total += cpu_seconds(current)
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, IndexError, ValueError):
            continue
        pending.extend(int(child) for child in children)
    return total


def processes_cpu(name: str) -> float:
    """CPU seconds used so far by every process with this command name (the database server's backends)."""
    total = 0.0
    for entry in Path("/proc").glob("[0-9]*/comm"):
        try:
            if entry.read_text().strip() == name:
                total += cpu_seconds(int(entry.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return total


def machine_idle() -> tuple[int, int]:
    """(all ticks, idle + iowait ticks) of the machine so far, from /proc/stat; (0, 0) without it."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    return sum(values), values[3] + values[4]


class CpuSplit:
    """Where the machine's CPU went while a block ran: server, database server, this client, idle.

    Per statement, in µs. On a 2-core machine they share the cores, so this shows what each costs.
    """

    def __init__(self, server_pid: int, database: str | None) -> None:
        self.server_pid, self.database = server_pid, database

    def __enter__(self) -> CpuSplit:
        self.before = (
            process_tree_cpu(self.server_pid),
            processes_cpu(self.database) if self.database else 0.0,
            time.process_time(),
            machine_idle(),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        server, database, client, (ticks, idle) = self.before
        self.server = process_tree_cpu(self.server_pid) - server
        self.db = (processes_cpu(self.database) - database) if self.database else 0.0
        self.client = time.process_time() - client
        all_now, idle_now = machine_idle()
        self.idle = (idle_now - idle) / (all_now - ticks) if all_now > ticks else 0.0

    def per_statement(self, count: int) -> str:
        db = f", database {self.db / count * 1e6:.0f}" if self.database else ""
        return (
            f"CPU per statement: server {self.server / count * 1e6:.0f} µs{db}, client {self.client / count * 1e6:.0f};"
            f" machine idle {self.idle:.0%}"
        )


class _RawConnection:
    """One keep-alive HTTP/1.1 connection that sends requests built beforehand and reads just enough of
    each response: its status, headers and Content-Length body. Reconnects when the server closes
    (gunicorn's sync worker closes after every response; its gthread worker and uvicorn keep alive)."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.sock: socket.socket | None = None

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.sock is None:
                self.sock = socket.create_connection(self.address, timeout=120)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.sock.sendall(request)
                return self._response()
            except (ConnectionError, _Closed):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _response(self) -> tuple[int, bytes]:
        assert self.sock is not None
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise _Closed  # closed before answering: a keep-alive connection the server had dropped
            buffer += chunk
        head, _, body = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = (line.partition(":") for line in lines[1:])
        headers = {name.strip().lower(): value.strip() for name, _, value in fields}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection mid-response")
            body += chunk
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


class _Closed(Exception):
    pass


def post_requests(url: str, auth: tuple[str, str], statements: list[dict[str, Any]], batch: int) -> list[bytes]:
    """Each batch's whole POST request (headers with Basic auth, and the JSON body), built before the clock starts."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\nX-Experience-API-Version: 1.0.3\r\n"
        f"Content-Type: application/json\r\nAuthorization: Basic {token}\r\n"
    )
    requests_ = []
    for i in range(0, len(statements), batch):
        body = json.dumps(statements[i : i + batch]).encode()
        requests_.append(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return requests_


def ingest(url: str, requests_: list[bytes], count: int, concurrency: int) -> float:
    """Send the POSTs from `concurrency` threads; return statements/s (`count` statements in all).

    The client shares the machine's cores with the server, so it does as little as it can per request:
    a thread only sends prebuilt bytes on its keep-alive socket and reads the status and body back.
    (`requests` spent ~0.3 ms of CPU per POST on sessions, hooks and header merging.) Statements carry
    ids, so resending a request after a dropped keep-alive connection cannot store anything twice.
    """
    parts = urlsplit(url)
    local = threading.local()

    def send(request: bytes) -> None:
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = _RawConnection(parts.hostname or "127.0.0.1", parts.port or 80)
        status, content = connection.exchange(request)
        if status not in (200, 204):
            raise RuntimeError(f"POST {url}: {status} {content[:300]!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, requests_))
    return count / (time.perf_counter() - started)


def page_back(base: str, first_url: str, auth: tuple[str, str], expected: int) -> tuple[float, int]:
    """Follow `more` links from `first_url` until exhausted; return (statements/s, statements read)."""
    session = requests.Session()
    session.auth = auth
    headers = {"X-Experience-API-Version": "1.0.3"}
    read = 0
    url = first_url
    started = time.perf_counter()
    while url:
        response = session.get(url, headers=headers, timeout=120)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:300]}")
        body = response.json()
        read += len(body["statements"])
        more = body.get("more") or ""
        url = (base + more) if more.startswith("/") else more
        if read >= expected * 2:  # a store holding more than we sent: stop, we measured enough
            break
    return read / (time.perf_counter() - started), read


def run_guild(args: argparse.Namespace, statements: list[dict[str, Any]]) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if url:
        base = url.rsplit("/", 1)[0]
        import psycopg

        db_name = os.environ.get("GUILD_BENCH_DB") or "guild_lrs_load"  # a name of one's own on a shared server
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
            connection.execute(f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = f"{base}/{db_name}"
        backend = "PostgreSQL"
    else:
        env["GUILD_DATA_DIR"] = tempfile.mkdtemp(prefix="guild-lrs-load-")
        backend = "SQLite"
    env["DJANGO_SETTINGS_MODULE"] = "learning.settings.test"
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    created = subprocess.run(
        [python, "manage.py", "lrs_credentials", "create", "bench"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    lines = dict(line.split(":", 1) for line in created.stdout.splitlines() if ":" in line)
    auth = (lines["key"].strip(), lines["secret"].strip())
    port = free_port()
    env["DJANGO_SETTINGS_MODULE"] = "lrs_settings"
    gunicorn = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "learning.wsgi", "--pythonpath", f"{ROOT},{ROOT / 'bench'}",
            "-w", str(args.workers), "--threads", str(args.threads),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120",
        ],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/xapi/about")
        posts = post_requests(f"{base}/xapi/statements", auth, statements, args.batch)
        with CpuSplit(gunicorn.pid, "postgres" if url else None) as split:
            ingest_rate = ingest(f"{base}/xapi/statements", posts, len(statements), args.concurrency)
        read_rate, read = page_back(base, f"{base}/xapi/statements?limit=500", auth, len(statements))
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    threads = f" --threads {args.threads}" if args.threads > 1 else ""
    return {
        "target": f"Guild ({backend}, gunicorn -w {args.workers}{threads})",
        "ingest": ingest_rate,
        "read": read_rate,
        "read_count": read,
        "ingest_cpu_rate": len(statements) / split.server if split.server else 0.0,
        "split": split.per_statement(len(statements)),
    }


def run_ralph(args: argparse.Namespace, statements: list[dict[str, Any]]) -> dict[str, Any]:
    from tests.insights.ralph import PASSWORD, USERNAME, RalphServer, ralph_available

    if not ralph_available():
        return {"target": "Ralph (not installed: make ralph)", "ingest": 0.0, "read": 0.0, "read_count": 0,
                "ingest_cpu_rate": 0.0}  # fmt: skip
    server = RalphServer(Path(tempfile.mkdtemp(prefix="guild-lrs-load-ralph-"))).start()
    try:
        auth = (USERNAME, PASSWORD)
        posts = post_requests(f"{server.endpoint}/statements", auth, statements, args.batch)
        with CpuSplit(server.process.pid, None) as split:
            ingest_rate = ingest(f"{server.endpoint}/statements", posts, len(statements), args.concurrency)
        read_rate, read = page_back(server.base_url, f"{server.endpoint}/statements?limit=500", auth, len(statements))
    finally:
        server.stop()
    return {"target": "Ralph 5.1 (fs backend, 1 uvicorn process)", "ingest": ingest_rate, "read": read_rate,
            "read_count": read, "ingest_cpu_rate": len(statements) / split.server if split.server else 0.0,
            "split": split.per_statement(len(statements))}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--ralph-statements", type=int, default=5_000, help="Ralph is slow: a smaller run")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1,
        help="gunicorn threads per worker (>1: the gthread worker; one waiting on a commit lets another run)",
    )  # fmt: skip
    parser.add_argument("--targets", default="guild,ralph")
    parser.add_argument(
        "--rounds", type=int, default=1,
        help="repeat Guild then Ralph this many times and report the median ratio: this machine's speed"
        " drifts by ±20%% over minutes, so one pair can land on different sides of a drift",
    )  # fmt: skip
    args = parser.parse_args()
    targets = args.targets.split(",")
    guild_statements = generate(args.statements, seed=1) if "guild" in targets else []
    ralph_statements = generate(args.ralph_statements, seed=2) if "ralph" in targets else []
    print(f"batch {args.batch}, concurrency {args.concurrency}")
    ratios: list[tuple[float, float]] = []
    for round_number in range(1, args.rounds + 1):
        results = []
        if guild_statements:
            results.append(run_guild(args, guild_statements))
        if ralph_statements:
            results.append(run_ralph(args, ralph_statements))
        if args.rounds > 1:
            print(f"round {round_number}")
        for result in results:
            print(
                f"{result['target']:<45} ingest {result['ingest']:>9,.0f} statements/s   "
                f"paging reads {result['read']:>9,.0f} statements/s ({result['read_count']:,} read)   "
                f"ingest per server CPU-second {result.get('ingest_cpu_rate', 0.0):>8,.0f}"
            )
            if result.get("split"):
                print(f"    ingest {result['split']}")
        guild = next((r for r in results if r["target"].startswith("Guild")), None)
        ralph = next((r for r in results if r["target"].startswith("Ralph") and r["ingest"]), None)
        if guild and ralph:
            ratios.append((guild["ingest"] / ralph["ingest"], guild["read"] / ralph["read"]))
            print(f"Guild/Ralph: ingest ×{ratios[-1][0]:.1f}, paging reads ×{ratios[-1][1]:.1f}", flush=True)
    if len(ratios) > 1:
        ingest = sorted(ratio[0] for ratio in ratios)
        reads = sorted(ratio[1] for ratio in ratios)
        print(
            f"median of {len(ratios)} rounds: ingest ×{statistics.median(ingest):.1f}"
            f" (×{ingest[0]:.1f}–×{ingest[-1]:.1f}), paging reads ×{statistics.median(reads):.1f}"
        )


if __name__ == "__main__":
    main()
