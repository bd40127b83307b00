"""`python manage.py export_statements`: stream statements to a file or stdout (DESIGN.md §3).

Exit status 2 for bad input (an unparseable date, an unknown verb or course slug, an output path that
cannot be written), 1 if the export fails part-way; in both cases no file is left behind: the export
is written to a hidden temporary file next to the target (created 0600: exports are learner data) and
renamed over it only once complete, so a reader never sees half an export either.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.exports import (
    EXPORT_CHUNK_SIZE,
    EXPORT_FORMATS,
    ExportFilter,
    ExportFilterError,
    export_filter,
    export_stream,
)

BAD_INPUT = 2


class _ProgressOut:
    """What tqdm writes to: the command's stderr without OutputWrapper's line endings and error colour."""

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, style_func=lambda plain: plain, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


class Command(BaseCommand):
    help = (
        "Export statements as NDJSON, CSV or JSON, streamed in constant memory, ordered by stored time. "
        "--since/--until filter on `stored` (since exclusive, until inclusive; a bare date means the whole day, UTC)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=sorted(EXPORT_FORMATS), default="ndjson", help="Default: ndjson.")
        parser.add_argument("--since", help="Only statements stored after this ISO 8601 date or date-time.")
        parser.add_argument("--until", help="Only statements stored up to this ISO 8601 date or date-time.")
        parser.add_argument("--verb", help="A verb IRI, or a Guild verb key such as `completed` or `answered`.")
        parser.add_argument("--course", help="A course slug: statements about the course, its lessons and threads.")
        parser.add_argument("--output", help="The file to write (replaced only when complete). Default: stdout.")
        parser.add_argument("--chunk-size", type=int, default=EXPORT_CHUNK_SIZE, help="Statements read per query.")
        parser.add_argument("--strategy", choices=("keyset", "cursor"), help="How rows are read (benchmarking).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            export = export_filter(
                since=options["since"], until=options["until"], verb=options["verb"], course=options["course"]
            )
        except ExportFilterError as error:
            raise CommandError(str(error), returncode=BAD_INPUT) from None
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.", returncode=BAD_INPUT)
        if options["output"]:
            count = self._export_to_file(Path(options["output"]), export, options)
            if options["verbosity"] >= 1:
                self.stdout.write(f"Exported {count} statements to {options['output']}.")
        else:
            self._write(self.stdout, export, options)

    def _write(self, out: Any, export: ExportFilter, options: dict[str, Any]) -> int:
        """Stream the export into `out` (anything with write(str)); return the number of statements."""
        written = 0
        bar = None
        if self.stderr.isatty() and options["verbosity"] >= 1:
            from tqdm import tqdm

            bar = tqdm(total=export.queryset().count(), unit=" statements", file=_ProgressOut(self.stderr))

        def progress(count: int) -> None:
            nonlocal written
            written += count
            if bar is not None:
                bar.update(count)

        write = out.write if not hasattr(out, "style_func") else (lambda text: out.write(text, ending=""))
        try:
            for chunk in export_stream(
                options["format"],
                export,
                chunk_size=options["chunk_size"],
                strategy=options["strategy"],
                progress=progress,
            ):
                write(chunk)
        finally:
            if bar is not None:
                bar.close()
        return written

    def _export_to_file(self, target: Path, export: ExportFilter, options: dict[str, Any]) -> int:
        if target.is_dir():
            raise CommandError(f"--output {target} is a directory; give a file name.", returncode=BAD_INPUT)
        directory = target.parent if str(target.parent) else Path()
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
        except OSError as error:
            raise CommandError(f"Cannot write to {target}: {error.strerror}.", returncode=BAD_INPUT) from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                count = self._write(out, export, options)
            os.replace(temporary, target)
        except BaseException as error:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise CommandError(f"Export to {target} failed: {error}; nothing was written.") from error
            raise
        return count
