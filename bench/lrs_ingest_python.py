"""The Python CPU of LRS ingest per statement, with every database call stubbed out.

`statements_store` runs as on PostgreSQL's first pass (JSON decoding, validation, columns, filter-index
rows, binary COPY records), but the voiding probe, the COPYs, the transaction and the activity
definitions' insert do nothing. With no database, no server and no other process, the figure holds
still to about 1% from run to run on a quiet machine (40.96 and 40.92 µs; 30.29 and 29.92), where
bench/lrs_load.py's and bench/lrs_ingest_cpu.py's drift with the machine by 20% or more: it is the one
to compare a change of the Python path against (run both trees one after the other, twice; nothing
else running). Never asserts timings.

    python bench/lrs_ingest_python.py
    python bench/lrs_ingest_python.py --statements 5000 --repeat 9
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import timeit
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs; the fastest counts")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning.settings.test")
    import django

    django.setup()
    from lrs_load import generate

    from insights.lrs import statements as store
    from insights.lrs.http import _decode_json

    # The database calls, stubbed: nothing is stored, and the first pass's PostgreSQL branch is taken.
    store.connection = SimpleNamespace(vendor="postgresql")
    store.transaction = SimpleNamespace(atomic=contextlib.nullcontext)
    store._held_statements = lambda ids, **kwargs: store.Held({}, set())
    for copy in ("copy_records", "copy_lines"):  # copy_lines: the text COPY of trees before 099e024
        if hasattr(store, copy):
            setattr(store, copy, lambda *args, **kwargs: None)
    store.insert_rows = lambda *args, **kwargs: None
    store.after_commit = SimpleNamespace(schedule=lambda: None)
    store._store_definitions = lambda definitions: None

    statements = generate(args.statements, seed=2)
    bodies = [json.dumps(statements[i : i + args.batch]).encode() for i in range(0, len(statements), args.batch)]
    authority = {"objectType": "Agent", "account": {"homePage": "https://guild.example.com", "name": "bench"}}

    def ingest() -> None:
        for body in bodies:
            store.statements_store(statements=_decode_json(body), authority=authority, version="1.0.3")

    ingest()  # warm the validator's and the definitions' caches, as a running worker has them
    for label, setup in (("garbage collector off", "pass"), ("garbage collector on", "gc.enable()")):
        best = min(timeit.repeat(ingest, setup=setup, number=3, repeat=args.repeat))
        print(f"{label}: {best / 3 / len(statements) * 1e6:6.2f} µs of CPU per statement")


if __name__ == "__main__":
    main()
