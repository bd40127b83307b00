"""Statement resource: PUT/POST/GET, every query parameter, voiding, more, headers (Django test client)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError

from insights.models import Statement

from .conftest import XAPIClient, make_statement, new_id

pytestmark = pytest.mark.django_db
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def test_post_single_statement_sets_stored_authority_version(xapi: XAPIClient, credential):
    response = xapi.post("statements", make_statement())
    assert response.status_code == 200, response.content
    [statement_id] = response.json()
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Consistent-Through" in response
    stored = xapi.get("statements", params={"statementId": statement_id}).json()
    assert stored["id"] == statement_id
    assert stored["version"] == "1.0.0"
    assert stored["authority"]["account"]["name"] == credential[0].key
    assert stored["stored"].endswith("Z")
    assert stored["timestamp"]


def test_put_then_same_content_is_noop_and_different_content_conflicts(xapi: XAPIClient):
    statement_id = new_id()
    assert xapi.put("statements", make_statement(), params={"statementId": statement_id}).status_code == 204
    assert xapi.put("statements", make_statement(), params={"statementId": statement_id}).status_code == 204
    other = make_statement(verb={"id": "http://adlnet.gov/expapi/verbs/completed"})
    assert xapi.put("statements", other, params={"statementId": statement_id}).status_code == 409
    assert xapi.post("statements", [{**other, "id": statement_id}]).status_code == 409
    assert Statement.objects.get(id=statement_id).verb == "http://adlnet.gov/expapi/verbs/experienced"


def test_put_requires_statement_id_and_matching_id(xapi: XAPIClient):
    assert xapi.put("statements", make_statement()).status_code == 400
    response = xapi.put("statements", make_statement(id=new_id()), params={"statementId": new_id()})
    assert response.status_code == 400


def test_invalid_statement_in_batch_rejects_whole_batch_with_reason(xapi: XAPIClient):
    good = make_statement(id=new_id())
    bad = make_statement(verb={"id": "not an iri"})
    response = xapi.post("statements", [good, bad])
    assert response.status_code == 400
    assert "statements[1]" in response.json()["message"]
    assert not Statement.objects.filter(id=good["id"]).exists()


def test_duplicate_ids_in_batch_rejected(xapi: XAPIClient):
    statement_id = new_id()
    response = xapi.post("statements", [make_statement(id=statement_id), make_statement(id=statement_id)])
    assert response.status_code == 400


def test_version_header_required_and_checked(credential):
    from .conftest import basic

    cred, secret = credential
    no_version = XAPIClient(basic(cred.key, secret), version=None)
    assert no_version.get("statements").status_code == 400
    assert no_version.get("about").status_code == 200
    for bad in ("1.1.0", "0.95", "3.0.0", "banana"):
        assert XAPIClient(basic(cred.key, secret), version=bad).get("statements").status_code == 400
    for good in ("1.0", "1.0.0", "1.0.3", "1.0.9"):
        response = XAPIClient(basic(cred.key, secret), version=good).get("statements")
        assert response.status_code == 200
        assert response["X-Experience-API-Version"] == "1.0.3"
    response = XAPIClient(basic(cred.key, secret), version="2.0.0").get("statements")
    assert response["X-Experience-API-Version"] == "2.0.0"


def test_authentication_and_scopes(db):
    from insights.lrs.auth import forget_cached_credentials, lrs_credential_create, lrs_credential_revoke

    from .conftest import basic

    forget_cached_credentials()
    reader, reader_secret = lrs_credential_create(name="reader", scope="read")
    writer, writer_secret = lrs_credential_create(name="writer", scope="write")
    assert XAPIClient(None).get("statements").status_code == 401
    assert XAPIClient(basic(reader.key, "wrong")).get("statements").status_code == 401
    assert XAPIClient(basic(reader.key, reader_secret)).get("statements").status_code == 200
    assert XAPIClient(basic(reader.key, reader_secret)).post("statements", make_statement()).status_code == 403
    assert XAPIClient(basic(writer.key, writer_secret)).post("statements", make_statement()).status_code == 200
    assert XAPIClient(basic(writer.key, writer_secret)).get("statements").status_code == 403
    lrs_credential_revoke(credential=reader)
    assert XAPIClient(basic(reader.key, reader_secret)).get("statements").status_code == 401


def test_session_login_never_authenticates(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    response = client.post(
        "/xapi/statements",
        data=make_statement(),
        content_type="application/json",
        headers={"X-Experience-API-Version": "1.0.3"},
    )
    assert response.status_code == 401


def test_voiding(xapi: XAPIClient):
    target = new_id()
    xapi.put("statements", make_statement(), params={"statementId": target})
    voiding = make_statement(
        id=new_id(),
        verb={"id": VOIDED, "display": {"en": "voided"}},
        object={"objectType": "StatementRef", "id": target},
    )
    assert xapi.post("statements", voiding).status_code == 200
    assert xapi.get("statements", params={"statementId": target}).status_code == 404
    assert xapi.get("statements", params={"voidedStatementId": target}).json()["id"] == target
    assert xapi.get("statements", params={"voidedStatementId": voiding["id"]}).status_code == 404
    ids = [s["id"] for s in xapi.get("statements").json()["statements"]]
    assert target not in ids
    assert voiding["id"] in ids
    # Voiding a voiding statement is refused.
    again = make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding["id"]})
    assert xapi.post("statements", again).status_code == 400


def test_a_voiding_statement_that_arrives_before_its_target_voids_it_on_arrival(xapi: XAPIClient):
    """The batch's "already held?" lookup also finds stored voiding statements aimed at its ids."""
    target, other = new_id(), new_id()
    voiding = make_statement(id=new_id(), verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target})
    assert xapi.post("statements", voiding).status_code == 200
    assert xapi.post("statements", [make_statement(id=target), make_statement(id=other)]).status_code == 200
    assert xapi.get("statements", params={"statementId": target}).status_code == 404
    assert xapi.get("statements", params={"voidedStatementId": target}).json()["id"] == target
    assert xapi.get("statements", params={"statementId": other}).status_code == 200
    # Sent again (same content): a no-op that neither fails nor un-voids it.
    assert xapi.post("statements", [make_statement(id=target)]).status_code == 200
    assert Statement.objects.get(id=target).voided


def test_statementref_filter_rule(xapi: XAPIClient):
    target = new_id()
    activity = "http://example.com/activities/referenced"
    xapi.put(
        "statements",
        make_statement(object={"objectType": "Activity", "id": activity}),
        params={"statementId": target},
    )
    ref = make_statement(
        id=new_id(),
        verb={"id": "http://example.com/verbs/commented"},
        object={"objectType": "StatementRef", "id": target},
    )
    xapi.post("statements", ref)
    ids = {s["id"] for s in xapi.get("statements", params={"activity": activity}).json()["statements"]}
    assert ids == {target, ref["id"]}


def test_filters(xapi: XAPIClient):
    registration = str(uuid.uuid4())
    ada = {"mbox": "mailto:ada@example.com"}
    bob = {"objectType": "Agent", "mbox": "mailto:bob@example.com"}
    s1 = make_statement(id=new_id(), context={"registration": registration, "instructor": bob})
    s2 = make_statement(
        id=new_id(),
        actor=bob,
        verb={"id": "http://adlnet.gov/expapi/verbs/completed"},
        object={"objectType": "Activity", "id": "http://example.com/activities/two"},
        context={"contextActivities": {"parent": [{"id": "http://example.com/activities/one"}]}},
    )
    s3 = make_statement(id=new_id(), actor=bob, object={"objectType": "Agent", "mbox": "mailto:ada@example.com"})
    assert xapi.post("statements", [s1, s2, s3]).status_code == 200

    def ids(**params):
        response = xapi.get("statements", params=params)
        assert response.status_code == 200, response.content
        return {s["id"] for s in response.json()["statements"]}

    assert ids(agent=ada) == {s1["id"], s3["id"]}
    assert ids(agent=bob) == {s2["id"], s3["id"]}
    assert ids(agent=bob, related_agents="true") == {s1["id"], s2["id"], s3["id"]}
    assert ids(verb="http://adlnet.gov/expapi/verbs/completed") == {s2["id"]}
    assert ids(activity="http://example.com/activities/one") == {s1["id"]}
    assert ids(activity="http://example.com/activities/one", related_activities="true") == {s1["id"], s2["id"]}
    assert ids(registration=registration) == {s1["id"]}
    stored = xapi.get("statements", params={"statementId": s1["id"]}).json()["stored"]
    assert ids(until=stored) == {s1["id"], s2["id"], s3["id"]}
    assert ids(since=stored) == set()


def test_more_pages_through_everything_in_order(xapi: XAPIClient):
    sent = []
    for _ in range(5):
        batch = [make_statement(id=new_id()) for _ in range(3)]
        xapi.post("statements", batch)
        sent += [s["id"] for s in batch]
        time.sleep(0.002)
    for ascending in ("false", "true"):
        seen, params = [], {"limit": 4, "ascending": ascending}
        response = xapi.get("statements", params=params).json()
        seen += [s["id"] for s in response["statements"]]
        while response["more"]:
            path = response["more"].removeprefix("/xapi/")
            response = xapi.client.get(f"/xapi/{path}", headers=xapi.headers()).json()
            seen += [s["id"] for s in response["statements"]]
        assert sorted(seen) == sorted(sent)
        assert len(seen) == len(set(seen))
    # Statements stored after the first page don't shift the descending pages.
    first = xapi.get("statements", params={"limit": 2}).json()
    xapi.post("statements", make_statement())
    second = xapi.client.get(first["more"], headers=xapi.headers()).json()
    assert not {s["id"] for s in second["statements"]} & {s["id"] for s in first["statements"]}


def test_tampered_more_is_400(xapi: XAPIClient):
    for _ in range(3):
        xapi.post("statements", make_statement())
    more = xapi.get("statements", params={"limit": 1}).json()["more"]
    assert xapi.client.get(more + "x", headers=xapi.headers()).status_code == 400
    assert xapi.get("statements", params={"more": "nonsense"}).status_code == 400


def test_bad_params_are_400(xapi: XAPIClient):
    for params in (
        {"statementId": "nope"},
        {"statementId": new_id(), "verb": "http://example.com/v"},
        {"statementId": new_id(), "voidedStatementId": new_id()},
        {"agent": "not json"},
        {"agent": '{"name": "no ifi"}'},
        {"since": "yesterday"},
        {"limit": "-1"},
        {"format": "pretty"},
        {"registration": "x"},
        {"unknown": "1"},
        {"ascending": "maybe"},
    ):
        assert xapi.get("statements", params=params).status_code == 400, params


def test_formats(xapi: XAPIClient):
    statement = make_statement(id=new_id())
    xapi.post("statements", statement)
    ids = xapi.get("statements", params={"statementId": statement["id"], "format": "ids"}).json()
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.com"}
    # Only identifiers (XAPI-00171): an Activity is its id alone, objectType is not an identifier.
    assert ids["object"] == {"id": "http://example.com/activities/one"}
    assert ids["verb"] == {"id": "http://adlnet.gov/expapi/verbs/experienced"}
    canonical = xapi.get(
        "statements",
        params={"statementId": statement["id"], "format": "canonical"},
        headers={"Accept-Language": "fr"},
    ).json()
    assert canonical["object"]["definition"]["name"] == {"fr": "Un"}


def test_head_and_cors_and_last_modified(xapi: XAPIClient):
    statement_id = xapi.post("statements", make_statement()).json()[0]
    head = xapi.request("HEAD", "statements", params={"statementId": statement_id})
    assert head.status_code == 200
    assert head.content == b""
    assert "Last-Modified" in head
    options = xapi.client.options("/xapi/statements", headers={"Origin": "https://tool.example"})
    assert options.status_code == 200
    assert options["Access-Control-Allow-Origin"] == "https://tool.example"
    assert "X-Experience-API-Version" in options["Access-Control-Allow-Headers"]


def test_content_type_checked(xapi: XAPIClient):
    import json

    response = xapi.post("statements", raw=json.dumps(make_statement()).encode(), content_type="text/plain")
    assert response.status_code == 400


def test_alternate_request_syntax(xapi: XAPIClient):
    import json
    from urllib.parse import urlencode

    statement_id = new_id()
    form = urlencode(
        {
            "Authorization": xapi.auth,
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
            "content": json.dumps(make_statement()),
            "statementId": statement_id,
        }
    )
    response = xapi.client.post(
        "/xapi/statements?method=PUT", data=form, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 204, response.content
    form = urlencode({"Authorization": xapi.auth, "X-Experience-API-Version": "1.0.3", "statementId": statement_id})
    got = xapi.client.post("/xapi/statements?method=GET", data=form, content_type="application/x-www-form-urlencoded")
    assert got.json()["id"] == statement_id
    extra = xapi.client.post(
        f"/xapi/statements?method=GET&statementId={statement_id}",
        data=form,
        content_type="application/x-www-form-urlencoded",
    )
    assert extra.status_code == 400


def test_external_statement_for_guild_activity_fills_course_columns(xapi: XAPIClient, course):
    iri = course.xapi_activity().iri
    statement_id = xapi.post("statements", make_statement(object={"objectType": "Activity", "id": iri})).json()[0]
    assert Statement.objects.get(id=statement_id).course_iri == iri


def test_guild_statements_are_served_and_indexed(xapi: XAPIClient, learner, course, lessons):
    from courses.services import enrolment_create

    enrolment_create(user=learner, course=course)
    statements = xapi.get("statements").json()["statements"]
    assert statements
    iri = course.xapi_activity().iri
    assert xapi.get("statements", params={"activity": iri, "related_activities": "true"}).json()["statements"]


def test_query_counts_do_not_grow(xapi: XAPIClient, django_assert_max_num_queries):
    for size in (1, 40):
        batch = [
            make_statement(id=new_id(), context={"contextActivities": {"parent": [{"id": f"http://e.x/{i}"}]}})
            for i in range(size)
        ]
        with django_assert_max_num_queries(12):
            assert xapi.post("statements", batch).status_code == 200
    with django_assert_max_num_queries(6):
        assert len(xapi.get("statements", params={"limit": 30}).json()["statements"]) == 30
    with django_assert_max_num_queries(6):
        xapi.get("statements", params={"activity": "http://e.x/3", "related_activities": "true"})


def test_a_batch_that_loses_the_race_for_an_id_is_stored_once_or_refused(xapi: XAPIClient, monkeypatch):
    """An id of the batch may be stored already when its insert runs: on PostgreSQL the first pass does not
    look (the primary key refuses it), and elsewhere another request may store it between the check and
    the insert.

    The race is simulated by hiding the held statement from the first pass's check (PostgreSQL's first
    pass has none): the insert then collides, and the batch runs again with the check and ON CONFLICT
    inserts, which see the row: same content → stored once (200), different content → 409, and the other
    statement of the batch is not stored either.
    """
    from insights.lrs import statements as store

    held_id = new_id()
    assert xapi.put("statements", make_statement(), params={"statementId": held_id}).status_code == 204
    real_held, real_store = store._held_statements, store._store_prepared
    passes: list[bool] = []  # racing=False, then True if the batch ran again

    def store_prepared(*args, racing, **kwargs):
        passes.append(racing)
        return real_store(*args, racing=racing, **kwargs)

    def racing_check(ids, **kwargs):
        return store.Held({}, set()) if passes == [False] else real_held(ids, **kwargs)

    monkeypatch.setattr(store, "_store_prepared", store_prepared)
    monkeypatch.setattr(store, "_held_statements", racing_check)
    other_id = new_id()
    response = xapi.post("statements", [make_statement(id=held_id), make_statement(id=other_id)])
    assert response.status_code == 200, response.content
    assert response.json() == [held_id, other_id]
    assert passes == [False, True]  # the collision made the batch run again
    assert Statement.objects.filter(id__in=[held_id, other_id]).count() == 2

    passes.clear()
    different = make_statement(id=held_id, verb={"id": "http://adlnet.gov/expapi/verbs/completed"})
    third_id = new_id()
    response = xapi.post("statements", [different, make_statement(id=third_id)])
    assert response.status_code == 409
    assert passes == [False, True]
    assert not Statement.objects.filter(id=third_id).exists()
    assert Statement.objects.get(id=held_id).verb == "http://adlnet.gov/expapi/verbs/experienced"


def test_a_resent_batch_stores_only_what_is_new_and_keeps_what_was_voided(xapi: XAPIClient):
    """A producer resending part of a batch (a retry after a timeout) gets 200 and the new statements stored
    once; a statement whose voiding statement arrived first is stored voided, on the first pass and on the
    retry alike (on PostgreSQL a resend takes the retry: its first pass collides on the primary key)."""
    sent = [make_statement(id=new_id()) for _ in range(3)]
    assert xapi.post("statements", sent[:2]).status_code == 200
    early_target = new_id()
    voiding = make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": early_target})
    assert xapi.post("statements", [voiding]).status_code == 200
    late = make_statement(id=early_target)

    response = xapi.post("statements", [*sent, late])
    assert response.status_code == 200, response.content
    assert response.json() == [s["id"] for s in sent] + [early_target]
    assert Statement.objects.filter(id__in=[s["id"] for s in sent]).count() == 3
    assert Statement.objects.get(id=early_target).voided

    fresh_target = new_id()
    voiding = make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": fresh_target})
    assert xapi.post("statements", [voiding]).status_code == 200
    assert xapi.post("statements", [make_statement(id=fresh_target), make_statement()]).status_code == 200
    assert Statement.objects.get(id=fresh_target).voided  # the first pass saw the stored voiding statement


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'[{"actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://e.com/v"},'
         b' "result": {"score": {"raw": NaN}}}]', "not valid JSON"),
        (b'{"actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://e.com/v"}, "x": 1e400}',
         "not valid JSON"),
        (b'{"actor": {"name": "\\ud800", "mbox": "mailto:a@example.com"}}', "not valid JSON"),
        (b'{"actor": 1} trailing', "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'{"actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://e.com/v"},'
         b' "object": {"id": "http://e.com/o"}, "result": {"response": "a\\u0000b"}}', "NUL"),
        (b'[{"actor": {"account": {"homePage": "http://e.com", "name": "\\u0000"}}, "verb": {"id": "http://e.com/v"},'
         b' "object": {"id": "http://e.com/o"}}]', "NUL"),
        (b'{"actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://e.com/v"},'
         b' "object": {"id": "http://e.com/o"}, "context": {"extensions": {"http://e.com/x": {"k\\u0000": 1}}}}',
         "NUL"),
    ],
    ids=["NaN", "infinity", "lone surrogate", "trailing data", "not UTF-8", "NUL in a value", "NUL in an account name",
         "NUL in an extension's key"],
)  # fmt: skip
def test_a_body_the_database_could_not_hold_is_400_and_stores_nothing(xapi: XAPIClient, body, reason):
    """Python's json accepts NaN, Infinity and lone surrogates, and PostgreSQL's text and jsonb cannot hold NUL:
    each is refused up front with its reason (NUL was a 500 from the database)."""
    before = Statement.objects.count()
    response = xapi.post("statements", raw=body)
    assert response.status_code == 400
    assert reason in response.json()["message"]
    assert Statement.objects.count() == before


def test_exact_pages_serve_the_stored_json_as_received(xapi: XAPIClient):
    """Exact-format pages splice the stored JSON text into the response: it must still be the statement
    as received (escapes, non-ASCII, numbers, nesting), and the page valid JSON with its `more` link."""
    tricky = make_statement(
        id=new_id(),
        actor={"objectType": "Agent", "mbox": "mailto:zoe@example.com", "name": 'Zoë "Z" \\ \u2028 </script>'},
        result={"score": {"raw": 7.25, "min": 0, "max": 10, "scaled": 0.725}, "response": "ü\ttab\nline"},
        context={"extensions": {"http://example.com/ext": {"list": [1, None, True, "x"], "big": 12345678901234567}}},
    )
    other = make_statement(id=new_id())
    assert xapi.post("statements", [tricky, other]).status_code == 200
    served: dict[str, dict] = {}
    params: dict[str, str | int] = {"limit": 1}
    for _ in range(3):  # one statement per page: the first page's `more` leads to the second, which ends
        response = xapi.get("statements", params=params)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        page = response.json()
        for statement in page["statements"]:
            served[statement["id"]] = statement
        if not page["more"]:
            break
        assert page["more"].startswith("/xapi/statements?more=")
        params = {"more": page["more"].split("more=", 1)[1]}
    assert set(served) == {tricky["id"], other["id"]}
    for key in ("actor", "verb", "object", "result", "context"):
        assert served[tricky["id"]][key] == tricky[key]


ODD_ACCOUNT = {"objectType": "Agent", "account": {"homePage": "http://e.com/h", "name": "tab\there\nnew\\line\r.\\N é"}}
ODD_STATEMENTS = [
    make_statement(
        id=new_id().upper(),
        actor={"mbox": "mailto:Zoe.Upper@Example.COM", "name": 'Zoë "Z" \\ \t \u2028 </script>'},
        result={"response": "ü\ttab\nline\\N\r", "score": {"raw": 7.25, "min": 0, "max": 10, "scaled": 0.725}},
        context={
            "registration": str(uuid.uuid4()).upper(),
            "platform": "back\\slash\ttab",
            "instructor": ODD_ACCOUNT,
            "contextActivities": {"parent": {"id": "http://e.com/p?q=a%20b"}, "other": [{"id": "urn:x:y"}]},
            "extensions": {"http://e.com/ext": {"list": [1, None, True, "x\ty"], "big": 12345678901234567}},
        },
        timestamp="2013-05-18T05:32:34,5+05:30",
    ),
    make_statement(
        id=new_id(),
        actor={"objectType": "Group", "name": "g", "member": [ODD_ACCOUNT, {"mbox_sha1sum": "A" * 40}]},
        object={"objectType": "Agent", "account": {"homePage": "http://e.com/h", "name": "\\\t\n"}},
        timestamp="2013-05-18T05:32:34.123456789+01:00",
    ),
    make_statement(
        id=new_id(),
        actor=ODD_ACCOUNT,
        object={
            "objectType": "SubStatement",
            "actor": ODD_ACCOUNT,
            "verb": {"id": "http://e.com/v"},
            "object": {"id": "http://e.com/sub", "definition": {"name": {"en": "tab\t"}}},
            "context": {"contextActivities": {"grouping": {"id": "http://e.com/g"}}},
        },
        timestamp="2024-02-29T23:59:59.999-08:00",
    ),
    make_statement(
        id=new_id(),
        verb={"id": VOIDED},
        object={"objectType": "StatementRef", "id": new_id()},
        timestamp="2024-03-01T00:00:00Z",
    ),
]


def test_copy_stores_what_the_insert_path_stores(xapi: XAPIClient, monkeypatch):
    """On PostgreSQL a fresh batch goes in by binary COPY: records built by `_statement_record`, and one per
    filter-index row; the INSERT path (statement_row, index_rows tuples) is the reference. Odd values
    (escapes, tabs, newlines, backslashes, `\\N`, upper-case UUIDs, offsets, Groups, SubStatements) must
    be stored identically by both. On SQLite both runs take the INSERT path."""
    from insights.lrs import statements as store
    from insights.models import StatementReference, StatementRelation

    def snapshot():
        statements = {}
        stored_of = {}
        for row in Statement.objects.values():
            stored_of[row["id"].hex] = row.pop("stored")
            row["data"].pop("stored")
            statements[row["id"]] = row
        relations = []
        for relation in StatementRelation.objects.all():
            for statement_id in relation.statement_ids:
                assert stored_of[statement_id] == relation.stored
                relations.append((statement_id, relation.kind, relation.value))
        relations.sort()
        references = sorted(StatementReference.objects.values_list("statement_id", "target", "voiding"))
        return statements, relations, references

    def post_all():
        for statement in ODD_STATEMENTS:
            assert xapi.post("statements", [statement]).status_code == 200
        # Sent again: a voiding statement stored before its target voids it on arrival, in both paths.
        target = make_statement(id=ODD_STATEMENTS[-1]["object"]["id"], timestamp="2024-03-01T00:00:01+00:00")
        assert xapi.post("statements", [target]).status_code == 200

    post_all()
    by_copy = snapshot()
    assert len(by_copy[0]) == len(ODD_STATEMENTS) + 1
    assert by_copy[1]
    assert by_copy[2]
    StatementRelation.objects.all().delete()
    StatementReference.objects.all().delete()
    Statement.objects.all().delete()

    def no_copy(*args, **kwargs):
        raise IntegrityError("take the INSERT path")

    monkeypatch.setattr(store, "copy_records", no_copy)  # the batch then runs again with INSERTs
    post_all()
    again = snapshot()
    for key in by_copy[0]:
        for column in by_copy[0][key]:
            assert again[0][key][column] == by_copy[0][key][column], (key, column)
    assert again == by_copy


def test_an_escaped_backslash_before_u0000_is_not_a_nul(xapi: XAPIClient):
    """`\\\\u0000` in the JSON text is a backslash and the letters u0000: stored as sent."""
    body = (
        b'{"actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": "http://e.com/v"},'
        b' "object": {"id": "http://e.com/o"}, "result": {"response": "\\\\u0000"}}'
    )
    response = xapi.post("statements", raw=body)
    assert response.status_code == 200
    stored = xapi.get("statements", params={"statementId": response.json()[0]}).json()
    assert stored["result"]["response"] == "\\u0000"


@pytest.mark.parametrize(
    ("sent", "instant"),
    [
        ("2024-02-29T23:59:59.999Z", datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)),
        ("2024-02-29T23:59:59.123456789Z", datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=UTC)),
        ("2024-03-01T05:29:59+05:30", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("2024-02-29T15:59:59-0800", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("20240229T235959Z", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
        ("2024-02-29T23:59Z", datetime(2024, 2, 29, 23, 59, tzinfo=UTC)),
    ],
)
def test_the_timestamp_column_holds_the_statements_instant_in_any_iso_form(xapi: XAPIClient, sent, instant):
    """Every ISO 8601 form validation accepts, basic format included, lands in the `timestamp` column as
    the same instant (the column orders and buckets the dashboards), never as the time it was stored."""
    statement_id = new_id()
    assert xapi.post("statements", [make_statement(id=statement_id, timestamp=sent)]).status_code == 200
    stored = Statement.objects.get(id=statement_id)
    assert stored.timestamp == instant
    assert stored.data["timestamp"] == sent  # the JSON keeps what the producer sent


@pytest.mark.parametrize("sent", ["0000-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00"])
def test_a_timestamp_no_datetime_can_hold_is_stored_with_the_stored_time_in_its_column(xapi: XAPIClient, sent):
    """ISO 8601 allows year 0000, and an offset can put an instant before year 1 in UTC: the statement is
    valid and kept as sent, and its `timestamp` column (which must hold a date) takes the time it was stored."""
    statement_id = new_id()
    assert xapi.post("statements", [make_statement(id=statement_id, timestamp=sent)]).status_code == 200
    stored = Statement.objects.get(id=statement_id)
    assert stored.timestamp == stored.stored
    assert stored.data["timestamp"] == sent


def _iri(length: int) -> str:
    return "http://e.com/" + "x" * (length - len("http://e.com/"))


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"verb": {"id": _iri(513)}}, "the verb's id is longer than this LRS stores (512 characters)"),
        ({"object": {"id": _iri(1025)}}, "the object's id is longer than this LRS stores (1024 characters)"),
        (
            {"actor": {"account": {"homePage": "http://e.com", "name": "n" * 500}}},
            "the actor's identifier is longer than this LRS stores (512 characters)",
        ),
    ],
    ids=["verb", "object", "actor"],
)
def test_a_value_longer_than_its_indexed_column_is_400_and_stores_nothing(xapi: XAPIClient, overrides, reason):
    """xAPI sets no length limit, but the verb, actor and object are indexed columns of fixed width: a longer
    value is refused with the reason, the whole batch with it (on PostgreSQL it was a 500 from the COPY)."""
    batch = [make_statement(id=new_id()), make_statement(id=new_id(), **overrides)]
    response = xapi.post("statements", batch)
    assert response.status_code == 400
    assert response.json()["message"] == f"statements[1]: {reason}"
    assert not Statement.objects.exists()


def test_values_as_long_as_their_indexed_columns_are_stored(xapi: XAPIClient):
    statement_id = new_id()
    statement = make_statement(id=statement_id, verb={"id": _iri(512)}, object={"id": _iri(1024)})
    assert xapi.post("statements", [statement]).status_code == 200
    stored = Statement.objects.get(id=statement_id)
    assert (len(stored.verb), len(stored.object_id)) == (512, 1024)
