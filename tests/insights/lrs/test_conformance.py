"""Requirements from ADL's LRS conformance suite (test/v1_0_3), ported as Django-client tests.

Each test names the requirement ids it covers (XAPI-00nnn, or the spec section) so a failure points
at the clause. These complement test_statements/test_documents/test_resources, which cover the rest.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

import pytest

from insights.lrs import multipart

from .conftest import XAPIClient, make_statement, new_id
from .test_attachments import _attachment, _multipart

pytestmark = pytest.mark.django_db
VOIDED = {"id": "http://adlnet.gov/expapi/verbs/voided", "display": {"en-US": "voided"}}


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_get_without_attachments_is_plain_application_json(xapi: XAPIClient):
    """XAPI-00161: no attachment data and Content-Type application/json unless attachments=true."""
    content = b"here is a simple attachment"
    statement = make_statement(id=new_id(), attachments=[_attachment(content)])
    body, content_type = _multipart([statement], [(content, "text/plain")])
    assert xapi.post("statements", raw=body, content_type=content_type).status_code == 200
    for params in ({}, {"attachments": "false"}):
        response = xapi.get("statements", params={"statementId": statement["id"], **params})
        assert response["Content-Type"] == "application/json"
        assert content not in response.content
    response = xapi.get("statements", params={"statementId": statement["id"], "attachments": "true"})
    assert response["Content-Type"].split(";")[0] == "multipart/mixed"
    assert content in response.content


def test_attachments_true_is_multipart_even_without_attachments(xapi: XAPIClient):
    """XAPI-00154/00167: a StatementResult in multipart/mixed; the first part is the JSON."""
    xapi.post("statements", make_statement())
    response = xapi.get("statements", params={"attachments": "true"})
    assert response.status_code == 200
    payload, parts = multipart.parse(response.content, response["Content-Type"])
    assert "statements" in payload
    assert "more" in payload
    assert parts == {}


@pytest.mark.parametrize(
    "extra",
    [
        {"agent": '{"mbox": "mailto:a@example.com"}'},
        {"verb": "http://adlnet.gov/expapi/non/existent"},
        {"activity": "http://www.example.com/meetings/occurances/12345"},
        {"registration": "b5b1c2a4-5a7c-4c6b-9b0a-1c2d3e4f5a6b"},
        {"related_activities": "true"},
        {"related_agents": "true"},
        {"since": "2012-06-01T19:09:13.245Z"},
        {"until": "2012-06-01T19:09:13.245Z"},
        {"limit": "1"},
        {"ascending": "true"},
    ],
)
@pytest.mark.parametrize("name", ["statementId", "voidedStatementId"])
def test_single_statement_get_rejects_filter_parameters(xapi: XAPIClient, name, extra):
    """XAPI-00150/00151: statementId/voidedStatementId combine only with attachments and format."""
    statement_id = new_id()
    xapi.post("statements", make_statement(id=statement_id))
    response = xapi.get("statements", params={name: statement_id, **extra})
    assert response.status_code == 400
    assert "X-Experience-API-Consistent-Through" in response


def test_single_statement_get_accepts_format_and_attachments(xapi: XAPIClient):
    voided_id = new_id()
    xapi.post("statements", make_statement(id=voided_id))
    xapi.post("statements", make_statement(verb=VOIDED, object={"objectType": "StatementRef", "id": voided_id}))
    for params in ({"format": "ids"}, {"attachments": "true"}, {"format": "canonical", "attachments": "false"}):
        assert xapi.get("statements", params={"voidedStatementId": voided_id, **params}).status_code == 200
    # XAPI-00163: a voided statement is never returned by statementId.
    assert xapi.get("statements", params={"statementId": voided_id}).status_code == 404


def test_empty_result_and_consistent_through(xapi: XAPIClient):
    """XAPI-00149/00152/00153/00160."""
    xapi.post("statements", [make_statement(), make_statement()])
    empty = xapi.get("statements", params={"verb": "http://adlnet.gov/expapi/non/existent"})
    assert empty.status_code == 200
    assert empty.json() == {"statements": [], "more": ""}
    response = xapi.get("statements")
    through = _iso(response["X-Experience-API-Consistent-Through"])
    assert all(_iso(s["stored"]) <= through for s in response.json()["statements"])
    missing_version = XAPIClient(xapi.auth, version=None).get("statements")
    assert missing_version.status_code == 400
    _iso(missing_version["X-Experience-API-Consistent-Through"])


def test_statements_targeting_a_voided_statement_are_still_returned(xapi: XAPIClient):
    """XAPI-00162: filter by the voided statement's verb returns the StatementRef and the voiding statement."""
    verb = f"http://adlnet.gov/expapi/test/voided/target/{uuid.uuid4()}"
    voided_id, voiding_id, ref_id = new_id(), new_id(), new_id()
    assert xapi.post("statements", make_statement(id=voided_id, verb={"id": verb})).status_code == 200
    voiding = make_statement(id=voiding_id, verb=VOIDED, object={"objectType": "StatementRef", "id": voided_id})
    assert xapi.post("statements", voiding).status_code == 200
    ref = make_statement(id=ref_id, verb={"id": verb}, object={"objectType": "StatementRef", "id": voided_id})
    assert xapi.post("statements", ref).status_code == 200
    listed = xapi.get("statements", params={"verb": verb}).json()["statements"]
    assert [s["id"] for s in listed] == [ref_id, voiding_id]
    assert [s["id"] for s in xapi.get("statements", params={"verb": verb, "limit": 1}).json()["statements"]] == [ref_id]
    voided_listing = xapi.get("statements", params={"verb": VOIDED["id"]}).json()["statements"]
    assert voiding_id in {s["id"] for s in voided_listing}


@pytest.mark.parametrize("statement_id", ["true", "[object Object]", "12345", ""])
def test_put_statement_id_must_be_a_uuid(xapi: XAPIClient, statement_id):
    """Communication 2.1.1.s1.table1.row1, XAPI-00144/00145."""
    response = xapi.put("statements", make_statement(), params={"statementId": statement_id})
    assert response.status_code == 400


def test_rejected_batch_and_conflicting_reuse_modify_nothing(xapi: XAPIClient):
    """Communication 2.1.2.s2.b4, 2.1.1.s2.b2, XAPI-00142."""
    correct, incorrect = make_statement(id=new_id()), make_statement(id=new_id(), verb={"id": "should fail"})
    assert xapi.post("statements", [correct, incorrect]).status_code == 400
    assert xapi.get("statements", params={"statementId": correct["id"]}).status_code == 404
    data = make_statement(id=new_id())
    assert xapi.put("statements", data, params={"statementId": data["id"]}).status_code == 204
    modified = {**data, "verb": {"id": "http://example.com/verbs/different"}}
    assert xapi.post("statements", modified).status_code == 409
    assert xapi.put("statements", data, params={"statementId": data["id"]}).status_code in (204, 409)
    assert xapi.get("statements", params={"statementId": data["id"]}).json()["verb"] == data["verb"]


def test_alternate_syntax_get_returns_a_statement_result(xapi: XAPIClient):
    """XAPI-00148: POST ?method=GET with the parameters in a form body."""
    xapi.post("statements", make_statement())
    response = xapi.client.post(
        "/xapi/statements?method=GET",
        data="limit=1",
        content_type="application/x-www-form-urlencoded",
        headers=xapi.headers(),
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["statements"]) == 1
    assert "more" in response.json()


def test_version_header_and_retained_version(xapi: XAPIClient):
    """XAPI-00330/00332/00333: responses carry 1.0.3; statements keep the version they came with."""
    statement = make_statement(id=new_id(), version="1.0.1")
    assert xapi.post("statements", statement).status_code == 200
    response = xapi.get("statements", params={"statementId": statement["id"]})
    assert response["X-Experience-API-Version"] == "1.0.3"
    got = response.json()
    assert got["version"] == "1.0.1"
    assert (got["actor"], got["verb"], got["object"]) == (statement["actor"], statement["verb"], statement["object"])
    for client in (XAPIClient(xapi.auth, version=None), XAPIClient(xapi.auth, version="0.95")):
        assert client.get("statements", params={"statementId": statement["id"]}).status_code == 400
        assert client.post("statements", make_statement()).status_code == 400
        assert client.put("statements", make_statement(), params={"statementId": new_id()}).status_code == 400
    assert XAPIClient(xapi.auth, version=None).get("about").status_code == 200


def test_activities_returns_the_complete_activity_object(xapi: XAPIClient):
    """Communication 2.5.s1: the Activity as sent (its one definition is the canonical one)."""
    activity = {
        "objectType": "Activity",
        "id": "http://www.example.com/verify/complete/34534",
        "definition": {
            "name": {"en-GB": "example meeting", "en-US": "example meeting"},
            "description": {"en-GB": "An example meeting.", "en-US": "An example meeting."},
            "type": "http://adlnet.gov/expapi/activities/meeting",
            "moreInfo": "http://virtualmeeting.example.com/345256",
            "extensions": {"http://example.com/profiles/meetings/extension/location": "X:\\meetings\\minutes"},
        },
    }
    assert xapi.post("statements", make_statement(object=activity)).status_code == 200
    response = xapi.get("activities", params={"activityId": activity["id"]})
    assert response.json() == activity
    assert xapi.get("activities").status_code == 400
    for bad in ("true", "1", '{"key": "value"}'):
        assert xapi.get("activities", params={"activityId": bad}).status_code == 400


@pytest.mark.parametrize(
    "actor",
    [
        {"objectType": "Agent", "name": "xAPI mbox", "mbox": "mailto:xapi@adlnet.gov"},
        {"objectType": "Agent", "name": "xAPI sha1", "mbox_sha1sum": "cd9b00a5611f94eaa7b1661edab976068e364975"},
        {"objectType": "Agent", "name": "xAPI openid", "openid": "http://openid.example.org/12345"},
        {"objectType": "Agent", "name": "xAPI account", "account": {"homePage": "http://www.example.com", "name": "x"}},
    ],
)
def test_agents_returns_a_person_with_array_values(xapi: XAPIClient, actor):
    """XAPI-00236..00248: a Person whose properties are arrays, for any IFI."""
    assert xapi.post("statements", make_statement(actor=actor)).status_code == 200
    person = xapi.get("agents", params={"agent": actor}).json()
    assert person["objectType"] == "Person"
    assert person["name"] == [actor["name"]]
    ifi = next(k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in actor)
    assert person[ifi] == [actor[ifi]]
    assert xapi.get("agents").status_code == 400
    assert xapi.get("agents", params={"agent": {"mbox": "not-a-mailto"}}).status_code == 400


def test_about_lists_versions_without_credentials_or_version_header():
    """Communication 2.8: GET /about needs neither; versions are strings."""
    response = XAPIClient(None, version=None).get("about")
    assert response.status_code == 200
    body = response.json()
    assert "1.0.3" in body["version"]
    assert all(isinstance(v, str) for v in body["version"])


def test_signed_attachment_sha2_and_content_type_checked_for_every_part(xapi: XAPIClient):
    """Data 2.4.11: the part's hash header must match its content (sha2 of the bytes)."""
    content = b"some data"
    statement = make_statement(attachments=[_attachment(content)])
    body, content_type = _multipart([statement], [(content, "text/plain")])
    wrong = body.replace(hashlib.sha256(content).hexdigest().encode(), b"0" * 64, 1)
    assert xapi.post("statements", raw=wrong, content_type=content_type).status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("DELETE", "statements", {"statementId": "9f6bd1f8-3a8e-4b5f-9d55-6c5b0f2a6e11"}),
        ("DELETE", "activities", {"activityId": "http://www.example.com/meetings/occurances/34534"}),
        ("POST", "activities", {"activityId": "http://www.example.com/meetings/occurances/34534"}),
        ("PUT", "activities", {"activityId": "http://www.example.com/meetings/occurances/34534"}),
        ("DELETE", "agents", {"agent": '{"mbox": "mailto:a@example.com"}'}),
        ("POST", "agents", {"agent": '{"mbox": "mailto:a@example.com"}'}),
        ("PUT", "agents", {"agent": '{"mbox": "mailto:a@example.com"}'}),
    ],
)
def test_methods_outside_the_spec_are_405_even_without_credentials(xapi: XAPIClient, method, path, params):
    """Communication 3.2.s3.b1: the suite sends some of these with no Authorization at all."""
    assert xapi.request(method, path, params=params).status_code == 405
    assert XAPIClient(None, version="1.0.1").request(method, path, params=params).status_code == 405


@pytest.mark.parametrize(
    "params",
    [
        {"foo": "bar"},
        {"StatementId": "9f6bd1f8-3a8e-4b5f-9d55-6c5b0f2a6e11"},
        {"VoidedStatementId": "9f6bd1f8-3a8e-4b5f-9d55-6c5b0f2a6e11"},
        {"Agent": '{"mbox": "mailto:a@example.com"}'},
        {"Verb": "http://adlnet.gov/expapi/verbs/attended"},
        {"Activity": "http://www.example.com/meetings/occurances/34534"},
        {"Registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7"},
        {"Related_Activities": "true"},
        {"Related_Agents": "true"},
        {"Since": "2012-06-01T19:09:13.245Z"},
        {"Until": "2012-06-01T19:09:13.245Z"},
        {"Limit": "10"},
        {"Format": "ids"},
        {"Attachments": "true"},
        {"Ascending": "true"},
    ],
)
def test_unknown_or_miscased_parameters_are_400(xapi: XAPIClient, params):
    """XAPI-00324/00325."""
    assert xapi.get("statements", params=params).status_code == 400


def test_put_with_miscased_statement_id_and_bad_credentials(xapi: XAPIClient):
    statement = make_statement(id=new_id())
    assert xapi.put("statements", statement, params={"StatementId": statement["id"]}).status_code == 400
    bad = XAPIClient("Basic Zm9vOmJhcg==")  # foo:bar
    assert bad.get("statements").status_code == 401


def _form_post(xapi: XAPIClient, query: str, form: str, *, headers: dict[str, str] | None = None):
    return xapi.client.post(
        f"/xapi/statements?{query}",
        data=form,
        content_type="application/x-www-form-urlencoded",
        headers=xapi.headers() if headers is None else headers,
    )


def test_alternate_syntax_cases_from_the_suite(xapi: XAPIClient):
    """Communication 1.3 (XAPI-00336): PUT as POST; form header fields are headers; malformed forms are 400."""
    import json
    from urllib.parse import quote, urlencode

    statement_id = new_id()
    # The suite's form: statementId and the URL-encoded content, the real headers carrying auth and version.
    form = f"statementId={statement_id}&content={quote(json.dumps(make_statement()))}"
    assert _form_post(xapi, "method=PUT", form).status_code == 204
    assert xapi.get("statements", params={"statementId": statement_id}).status_code == 200
    # The form's version is a header (Communication 1.3.s3.b7): 0.8 beside a real 1.0.3 is a conflict,
    # 400 (ADL's suite expects it), and nothing is stored; the same value in both is fine.
    other_id = new_id()
    form = urlencode(
        {"statementId": other_id, "X-Experience-API-Version": "0.8", "content": json.dumps(make_statement())}
    )
    assert _form_post(xapi, "method=PUT", form).status_code == 400
    assert xapi.get("statements", params={"statementId": other_id}).status_code == 404
    form = urlencode(
        {"statementId": other_id, "X-Experience-API-Version": "1.0.3", "content": json.dumps(make_statement())}
    )
    assert _form_post(xapi, "method=PUT", form).status_code == 204
    # Only the form (no real headers): the form's Authorization and version are used.
    form = urlencode(
        {
            "statementId": new_id(),
            "content": json.dumps(make_statement()),
            "X-Experience-API-Version": "1.0.3",
            "Authorization": xapi.auth,
        }
    )
    assert _form_post(xapi, "method=PUT", form, headers={}).status_code == 204
    # The same fields sent as JSON with a form content type, no form at all, extra query parameters.
    as_json = json.dumps({"statementId": new_id(), "content": "{}", "Authorization": xapi.auth})
    assert _form_post(xapi, "method=PUT", as_json, headers={}).status_code == 400
    assert xapi.client.post("/xapi/statements?method=PUT", headers=xapi.headers()).status_code == 400
    assert _form_post(xapi, f"method=PUT&statementId={new_id()}", form).status_code == 400
    assert xapi.get("statements", params={"method": "POST"}).status_code == 400


@pytest.mark.parametrize(
    ("version", "status"),
    [("1.0", 200), ("1.0.9", 200), ("1.0.3", 200), ("should fail", 400), ("0.9.9", 400), ("1.1.0", 400)],
)
def test_statement_version_property(xapi: XAPIClient, version, status):
    """XAPI-00101 (Data 2.4.10): a statement's version must be 1.0 or 1.0.x under a 1.0.x request."""
    assert xapi.post("statements", make_statement(version=version)).status_code == status


def test_filters_combined_with_ids_format_find_the_statement(xapi: XAPIClient):
    """Data 2.5.s1: every filter at once, format=ids, attachments=false."""
    registration = str(uuid.uuid4())
    statement = make_statement(id=new_id(), context={"registration": registration})
    assert xapi.post("statements", statement).status_code == 200
    params = {
        "limit": "1",
        "agent": statement["actor"],
        "verb": statement["verb"]["id"],
        "activity": statement["object"]["id"],
        "registration": registration,
        "related_activities": "true",
        "since": "2012-06-01T19:09:13.245Z",
        "format": "ids",
        "attachments": "false",
    }
    [found] = xapi.get("statements", params=params).json()["statements"]
    assert found["id"] == statement["id"]
    assert found["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.com"}


def test_head_on_every_resource_is_get_without_a_body(xapi: XAPIClient):
    """Communication 1.1: HEAD answers like GET, with no message body."""
    agent = {"objectType": "Agent", "account": {"homePage": "http://www.example.com/agentId/1", "name": "Rick James"}}
    activity = "http://www.example.com/activityId/hashset"
    xapi.post("statements", make_statement(object={"id": activity}))
    state = {"activityId": activity, "agent": agent, "stateId": new_id()}
    activity_profile = {"activityId": activity, "profileId": new_id()}
    agent_profile = {"agent": agent, "profileId": new_id()}
    for path, params in (("activities/state", state), ("activities/profile", activity_profile)):
        assert xapi.post(path, {"name": "doc"}, params=params).status_code == 204
    assert xapi.post("agents/profile", {"name": "doc"}, params=agent_profile).status_code == 204
    for path, params in (
        ("about", None),
        ("statements", None),
        ("activities", {"activityId": activity}),
        ("agents", {"agent": agent}),
        ("activities/state", state),
        ("activities/profile", activity_profile),
        ("agents/profile", agent_profile),
    ):
        get = xapi.get(path, params=params)
        head = xapi.request("HEAD", path, params=params)
        assert (get.status_code, head.status_code) == (200, 200), path
        assert head.content == b"", path
        assert head["Content-Type"] == get["Content-Type"], path
        if "ETag" in get:
            assert head["ETag"] == get["ETag"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_timestamps_out_of_range_in_utc_are_400_not_500(xapi: XAPIClient, moment):
    for name in ("since", "until"):
        response = xapi.get("statements", params={name: moment})
        assert response.status_code == 400
        assert "out of range" in response.json()["message"]
    assert xapi.post("statements", make_statement(timestamp=moment)).status_code in (200, 400)


def test_context_activities_are_returned_as_arrays(xapi: XAPIClient):
    """XAPI-00096 (Data 2.4.6.2.s4.b3): a single context Activity comes back in an array, also in a SubStatement."""
    parent = {"objectType": "Activity", "id": "http://www.example.com/meetings/series/267"}
    category = {"id": "http://www.example.com/meetings/categories/teammeeting"}
    sub = make_statement(context={"contextActivities": {"parent": parent}})
    sub.pop("id", None)
    statement = make_statement(
        id=new_id(),
        context={"contextActivities": {"category": category, "other": [parent]}},
        object={"objectType": "SubStatement", **sub},
    )
    assert xapi.post("statements", statement).status_code == 200
    got = xapi.get("statements", params={"statementId": statement["id"]}).json()
    assert got["context"]["contextActivities"] == {"category": [category], "other": [parent]}
    assert got["object"]["context"]["contextActivities"] == {"parent": [parent]}
    # The sent form (single objects) is still "the same statement": re-sending it is not a conflict.
    response = xapi.put("statements", statement, params={"statementId": statement["id"]})
    assert response.status_code == 204
    # The related-activity filter still finds it through the (now array) category.
    found = xapi.get("statements", params={"activity": category["id"], "related_activities": "true"}).json()
    assert statement["id"] in [s["id"] for s in found["statements"]]


def test_format_ids_gives_activities_by_id_alone(xapi: XAPIClient):
    """XAPI-00171: format=ids keeps only identifiers; a Group keeps objectType and its IFI, an Activity its id."""
    group = {"objectType": "Group", "name": "Group Identified", "mbox": "mailto:group@example.com"}
    activity = {
        "objectType": "Activity",
        "id": "http://example.com/activities/ids",
        "definition": {"name": {"en": "x"}},
    }
    sub = make_statement(actor=group, object=activity)
    statement = make_statement(
        id=new_id(),
        object={"objectType": "SubStatement", **sub},
        context={"contextActivities": {"parent": [activity]}},
    )
    assert xapi.post("statements", statement).status_code == 200
    got = xapi.get("statements", params={"statementId": statement["id"], "format": "ids"}).json()
    assert got["object"]["object"] == {"id": activity["id"]}
    assert got["object"]["actor"] == {"objectType": "Group", "mbox": "mailto:group@example.com"}
    assert got["object"]["verb"] == {"id": sub["verb"]["id"]}
    assert got["context"]["contextActivities"] == {"parent": [{"id": activity["id"]}]}
    # A StatementRef needs its objectType to be told from an Activity.
    ref = make_statement(id=new_id(), object={"objectType": "StatementRef", "id": statement["id"]})
    assert xapi.post("statements", ref).status_code == 200
    got = xapi.get("statements", params={"statementId": ref["id"], "format": "ids"}).json()
    assert got["object"] == {"objectType": "StatementRef", "id": statement["id"]}


def test_an_empty_activity_definition_is_rejected(xapi: XAPIClient):
    """ADL suite, Data 2.4.4.1.s2: a definition holds at least one of its properties; `{}` is 400, also in a
    SubStatement and a context Activity, and nothing of the batch is stored. One property is enough."""
    empty = {"objectType": "Activity", "id": "http://example.com/activities/empty", "definition": {}}
    sub = make_statement(object=empty)
    for statement in (
        make_statement(id=new_id(), object=empty),
        make_statement(id=new_id(), object={"objectType": "SubStatement", **sub}),
        make_statement(id=new_id(), context={"contextActivities": {"parent": [empty]}}),
    ):
        assert xapi.post("statements", statement).status_code == 400
        assert xapi.get("statements", params={"statementId": statement["id"]}).status_code == 404
    for definition in (
        {"name": {"en": "x"}},
        {"type": "http://adlnet.gov/expapi/activities/meeting"},
        {"extensions": {}},
    ):
        statement = make_statement(id=new_id(), object={**empty, "definition": definition})
        assert xapi.post("statements", statement).status_code == 200
