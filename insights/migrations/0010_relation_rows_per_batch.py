"""Filter-index rows hold their statements' ids in an array (one row per agent or activity per batch).

Existing rows become one-id arrays: the filters read them the same way, and nothing is regrouped.
"""

from django.db import migrations

import insights.models


def ids_into_arrays(apps, schema_editor):
    table = schema_editor.quote_name("insights_statementrelation")
    if schema_editor.connection.vendor == "postgresql":
        expression = "ARRAY[statement_id]"
    else:  # SQLite keeps UUIDs as 32 hex digits already
        expression = "json_array(statement_id)"
    schema_editor.execute(f"UPDATE {table} SET statement_ids = {expression}")  # noqa: S608 (no input)


class Migration(migrations.Migration):
    dependencies = [("insights", "0009_dashboard_routed_index")]

    operations = [
        migrations.AddField(
            model_name="statementrelation", name="statement_ids", field=insights.models.StatementIdsField(null=True)
        ),
        migrations.RunPython(ids_into_arrays, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="statementrelation", name="statement"),
        migrations.AlterField(
            model_name="statementrelation", name="statement_ids", field=insights.models.StatementIdsField(default=list)
        ),
    ]
