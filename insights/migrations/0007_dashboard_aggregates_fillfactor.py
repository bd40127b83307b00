"""Room on each page of the dashboard counter tables for updated rows (PostgreSQL only).

The fill rewrites the same counter rows batch after batch. On a full page (the default fillfactor
of 100) each new row version goes to another page and every index gets a new entry; with free
space on the page, and no indexed column changed, PostgreSQL makes it a heap-only (HOT) update and
the indexes are not touched. Measured on the learner-lesson upsert: about 3x faster. Pages only
get the room when written, so existing tables gain it gradually (or at once with VACUUM FULL).
"""

from django.db import migrations

TABLES = (
    "insights_dailycount",
    "insights_activeday",
    "insights_learnercourse",
    "insights_learnerlesson",
    "insights_checkoutcome",
    "insights_blocksignal",
    "insights_helperedge",
    "insights_threadfact",
)
FILLFACTOR = 70


def set_fillfactor(apps, schema_editor, value: int = FILLFACTOR) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = {int(value)})")


def reset_fillfactor(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0006_dashboard_aggregates"),
    ]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
