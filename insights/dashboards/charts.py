"""What a dashboard chart is: a title, a table of rows (what the CSV and the data table show), how to draw it."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# Rows a page's data table shows: the helper network of a big community, or a long period day by day, has
# thousands, which no one reads in a page and which cost more to render than everything else. The table
# says when it stops, and the chart's CSV has every row.
TABLE_ROWS = 200
PALETTE = ("#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#475569")


@dataclass
class Chart:
    """One chart. `rows` are exactly what the CSV holds and the data table shows.

    kind: "line", "bar" (vertical), "hbar" (horizontal, e.g. the funnel), "table" (no drawing),
    "network" (an SVG drawn on the server from `network`). `series` are the column indexes drawn
    (the first column is the label axis); `stacked` stacks them. `row_count` is set by a builder that
    lists only the table's first TABLE_ROWS rows for a page (the CSV asks it for every row): how many
    rows there are in all.
    """

    key: str
    title: str
    description: str
    kind: str
    columns: list[str]
    rows: list[list[Any]]
    series: Sequence[int] = (1,)
    stacked: bool = False
    empty: str = "No activity matches these filters yet."
    links: list[str | None] = field(default_factory=list)
    network: dict[str, Any] | None = None
    row_count: int | None = None

    def spec(self) -> dict[str, Any]:
        """What static/js/dashboards.js needs to draw it with Chart.js."""
        return {
            "type": "bar" if self.kind in ("bar", "hbar") else "line",
            "horizontal": self.kind == "hbar",
            "stacked": self.stacked,
            "title": self.title,
            "labels": [str(row[0]) for row in self.rows],
            "datasets": [
                {
                    "label": self.columns[index],
                    "data": [_number(row[index]) for row in self.rows],
                    "color": PALETTE[position % len(PALETTE)],
                }
                for position, index in enumerate(self.series)
            ],
        }

    @property
    def spec_id(self) -> str:
        return f"chart-{self.key}-spec"

    @property
    def table(self) -> list[tuple[str | None, list[Any]]]:
        """(link for the row's label or None, row) for the data table: the first TABLE_ROWS rows."""
        links = self.links or []
        return [(links[index] if index < len(links) else None, row) for index, row in enumerate(self.rows[:TABLE_ROWS])]

    @property
    def table_body(self) -> SafeString:
        """The data table's <tr> rows as HTML, built here rather than by template loops: a page of
        several 200-row tables was a third of the social dashboard's time in `{% for %}` nodes. Cells are
        localised and escaped exactly as `{{ cell }}` would be; a missing value shows as an em dash."""
        rows = []
        for link, row in self.table:
            label = _cell(row[0]) if row else ""
            if link:
                label = f'<a href="{conditional_escape(link)}">{label}</a>'
            head = f'<th scope="row">{label}</th>'
            cells = "".join(["<td>" + ("—" if cell is None else _cell(cell)) + "</td>" for cell in row[1:]])
            rows.append(f"<tr>{head}{cells}</tr>")
        return mark_safe("".join(rows))  # noqa: S308  (every cell went through conditional_escape)

    @property
    def total_rows(self) -> int:
        return len(self.rows) if self.row_count is None else self.row_count

    @property
    def table_cut(self) -> bool:
        """True when the data table shows only the first TABLE_ROWS rows (the CSV has them all)."""
        return self.total_rows > TABLE_ROWS

    @property
    def table_rows(self) -> int:
        return min(self.total_rows, TABLE_ROWS)

    @property
    def drawn(self) -> bool:
        return self.kind in ("line", "bar", "hbar") and bool(self.rows)

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_csv_cell(value) for value in row])
        return out.getvalue()


def _cell(value: Any) -> str:
    """One table cell as `{{ value }}` renders it: localised, then escaped."""
    return str(conditional_escape(localize(value)))


def _number(value: Any) -> float | int | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, int | float) else None


def _csv_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (reviews, names, titles come from people)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def circle_layout(nodes: list[dict[str, Any]], *, size: int = 560, margin: int = 70) -> None:
    """Place nodes on a circle, grouped by team (a stable, readable layout that needs no physics)."""
    count = len(nodes)
    radius = size / 2 - margin
    for index, node in enumerate(nodes):
        angle = 2 * math.pi * index / max(count, 1) - math.pi / 2
        node["x"] = round(size / 2 + radius * math.cos(angle), 1)
        node["y"] = round(size / 2 + radius * math.sin(angle), 1)
        node["label_x"] = round(size / 2 + (radius + 14) * math.cos(angle), 1)
        node["label_y"] = round(size / 2 + (radius + 14) * math.sin(angle), 1)
        node["anchor"] = "start" if math.cos(angle) > 0.2 else ("end" if math.cos(angle) < -0.2 else "middle")
