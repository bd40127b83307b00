"""Index the members of Groups that are a statement's actor or object (RelationKind.AGENT rows).

The LRS's `agent` filter matches Groups having the Agent as a member (xAPI Communication 2.1.3);
statements stored from now on get these rows at ingest (insights.lrs.statements.index_rows). This
backfills statements stored before, in batches; it only reads statements whose actor or object is a Group.
"""

from django.db import migrations
from django.db.models import Q

AGENT = 1  # RelationKind.AGENT
BATCH = 2000


def _member_keys(data):
    from insights.xapi.agents import agent_key

    keys = set()
    for agent in (data.get("actor"), data.get("object")):
        if isinstance(agent, dict) and agent.get("objectType") == "Group":
            for member in agent.get("member") or ():
                key = agent_key(member) if isinstance(member, dict) else ""
                if key and len(key) <= 1024:
                    keys.add(key)
    return keys


def backfill(apps, schema_editor):
    Statement = apps.get_model("insights", "Statement")
    StatementRelation = apps.get_model("insights", "StatementRelation")
    groups = Statement.objects.filter(Q(data__actor__objectType="Group") | Q(object_type="Group"))
    already = set(StatementRelation.objects.filter(kind=AGENT).values_list("statement_id", flat=True).distinct())
    rows = []
    for statement_id, data, stored in groups.values_list("id", "data", "stored").iterator(chunk_size=BATCH):
        if statement_id in already or not isinstance(data, dict):
            continue
        rows += [
            StatementRelation(statement_id=statement_id, kind=AGENT, value=key, stored=stored)
            for key in _member_keys(data)
        ]
        if len(rows) >= BATCH:
            StatementRelation.objects.bulk_create(rows)
            rows = []
    StatementRelation.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_lrs")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
