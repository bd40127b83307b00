"""Every IRI Guild puts in a statement resolves (DESIGN.md §4): JSON for machines, a page for people."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from courses import services
from insights.models import Statement
from insights.xapi import vocabulary
from tests.factories import CoursePageFactory, LessonPageFactory

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
JSON = {"HTTP_ACCEPT": "application/json"}
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def path_of(iri: str) -> str:
    assert iri.startswith(SITE + "/"), iri
    return iri[len(SITE) :]


def get_json(client, iri: str) -> dict:
    response = client.get(path_of(iri), **JSON)
    assert response.status_code == 200, (iri, response.status_code)
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# --- activities ------------------------------------------------------------------------------------------


def test_course_iri_gives_its_definition_to_machines(client, course):
    data = get_json(client, f"{SITE}/xapi/activities/course/{course.activity_id}")
    assert data == {
        "objectType": "Activity",
        "id": f"{SITE}/xapi/activities/course/{course.activity_id}",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/course",
            "name": {"en": course.title},
            "description": {"en": course.summary},
        },
    }


def test_lesson_iri_gives_its_definition_to_machines(client, lessons):
    lesson = lessons[0]
    data = get_json(client, f"{SITE}/xapi/activities/lesson/{lesson.activity_id}")
    assert data["id"] == f"{SITE}/xapi/activities/lesson/{lesson.activity_id}"
    assert data["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    assert data["definition"]["name"] == {"en": lesson.title}


def test_question_iri_gives_the_interaction_to_machines(client, lessons):
    block_id = next(iter(lessons[0].knowledge_checks()))
    data = get_json(client, f"{SITE}/xapi/activities/question/{block_id}")
    definition = data["definition"]
    assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert definition["name"] == {"en": "Which option is right?"}
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == ["b"]
    assert definition["choices"] == [
        {"id": "a", "description": {"en": "Option 1"}},
        {"id": "b", "description": {"en": "Option 2"}},
        {"id": "c", "description": {"en": "Option 3"}},
    ]


def test_activity_iris_send_people_to_the_page(client, course, lessons):
    lesson = lessons[1]
    block_id = next(iter(lesson.knowledge_checks()))
    cases = {
        f"/xapi/activities/course/{course.activity_id}": course.url,
        f"/xapi/activities/lesson/{lesson.activity_id}": lesson.url,
        f"/xapi/activities/question/{block_id}": f"{lesson.url}#block-{block_id}",
    }
    for path, page_url in cases.items():
        response = client.get(path, **HTML)
        assert response.status_code in (301, 302, 303), path
        assert response["Location"] == page_url
    assert client.get(course.url).status_code == 200


def test_a_browser_without_accept_gets_the_page(client, course):
    response = client.get(f"/xapi/activities/course/{course.activity_id}")
    assert response["Location"] == course.url


@pytest.mark.parametrize(
    "path",
    [
        "/xapi/activities/course/00000000-0000-4000-8000-000000000000",
        "/xapi/activities/lesson/00000000-0000-4000-8000-000000000000",
        "/xapi/activities/question/00000000-0000-4000-8000-000000000000",
        "/xapi/activities/spaceship/00000000-0000-4000-8000-000000000000",
        "/xapi/verbs/teleported",
        "/xapi/activity-types/spaceship",
        "/xapi/extensions/shoe-size",
        "/xapi/profile/v9.9",
    ],
)
@pytest.mark.parametrize("accept", [JSON, HTML], ids=["json", "html"])
def test_unknown_iris_are_404(client, course, path, accept):
    assert client.get(path, **accept).status_code == 404


def test_a_lesson_iri_is_not_a_course_iri(client, lessons):
    assert client.get(f"/xapi/activities/course/{lessons[0].activity_id}", **JSON).status_code == 404


def test_draft_pages_do_not_resolve(client, course):
    draft_course = CoursePageFactory(live=False)
    draft_lesson = LessonPageFactory(parent=course, live=False)
    block_id = next(iter(draft_lesson.knowledge_checks()))
    for path in (
        f"/xapi/activities/course/{draft_course.activity_id}",
        f"/xapi/activities/lesson/{draft_lesson.activity_id}",
        f"/xapi/activities/question/{block_id}",
    ):
        assert client.get(path, **JSON).status_code == 404, path
        assert client.get(path, **HTML).status_code == 404, path


def test_a_paragraph_id_is_not_a_question(client, lessons):
    paragraph_id = next(block.id for block in lessons[0].body if block.block_type == "paragraph")
    assert client.get(f"/xapi/activities/question/{paragraph_id}", **JSON).status_code == 404


# --- minted vocabulary --------------------------------------------------------------------------------------


def minted_iris() -> list[tuple[str, str]]:
    iris = [(verb.iri, verb.description) for verb in vocabulary.MINTED_VERBS.values()]
    iris += [(kind.iri, kind.description) for kind in vocabulary.MINTED_ACTIVITY_TYPES.values()]
    iris += [(extension.iri, extension.description) for extension in vocabulary.EXTENSIONS.values()]
    return iris


def test_the_vocabulary_mints_what_the_design_names():
    keys = {iri.rsplit("/", 1)[1] for iri, _ in minted_iris()}
    assert {"unvoted", "accepted", "hid", "restored", "routed", "note", "visibility", "flag-reason"} <= keys
    for iri, _ in minted_iris():
        assert iri.startswith((f"{SITE}/xapi/verbs/", f"{SITE}/xapi/activity-types/", f"{SITE}/xapi/extensions/"))


@pytest.mark.parametrize("index", range(len(minted_iris())))
def test_every_minted_iri_describes_itself(client, index):
    iri, description = minted_iris()[index]

    data = get_json(client, iri)
    assert data["id"] == iri
    assert description in str(data)

    page = client.get(path_of(iri), **HTML)
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert escape(description) in page.content.decode()


def test_the_profile_lists_the_vocabulary(client):
    iri = vocabulary.profile_iri()
    assert iri == f"{SITE}/xapi/profile/v1.0"

    data = get_json(client, iri)
    assert data["id"] == iri
    verb_ids = {verb["id"] for verb in data["verbs"]}
    assert {verb.iri for verb in vocabulary.VERBS} == verb_ids
    assert {kind.iri for kind in vocabulary.ACTIVITY_TYPES} <= set(data["activityTypes"])
    assert {extension.iri for extension in vocabulary.EXTENSIONS.values()} <= set(data["extensions"])

    page = client.get(path_of(iri), **HTML)
    assert page.status_code == 200
    assert "Guild xAPI profile" in page.content.decode()


def test_every_guild_iri_in_a_learners_statements_resolves(client, learner, course, lessons):
    """Walk a journey, then GET every IRI under the site found anywhere in the store."""
    services.enrolment_create(user=learner, course=course)
    for lesson in lessons:
        services.lesson_view(user=learner, lesson=lesson)
        block_id = next(iter(lesson.knowledge_checks()))
        services.knowledge_check_answer(user=learner, lesson=lesson, block_id=block_id, choice="a")
        services.lesson_complete(user=learner, lesson=lesson)

    found: set[str] = set()

    def collect(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and key.startswith(SITE + "/xapi/"):
                    found.add(key)  # extension keys
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, str) and value.startswith(SITE + "/xapi/"):
            found.add(value)

    for statement in Statement.objects.all():
        collect({key: value for key, value in statement.data.items() if key not in ("authority",)})

    kinds = {iri.split("/")[4] if "/activities/" in iri else iri.split("/")[4] for iri in found}
    assert {"activities", "profile"} <= kinds
    for iri in sorted(found):
        get_json(client, iri)


def test_iris_follow_a_changed_site_address(settings, learner, course):
    """The site root is read once (it is on every statement's hot path) and read again when the setting changes."""
    from courses.services import enrolment_create

    settings.WAGTAILADMIN_BASE_URL = "https://learn.example.com/"
    assert vocabulary.site_root() == "https://learn.example.com"
    enrolment_create(user=learner, course=course)
    statement = Statement.objects.get(verb=vocabulary.REGISTERED.iri)
    assert statement.object_id == f"https://learn.example.com/xapi/activities/course/{course.activity_id}"
    assert statement.course_iri == statement.object_id  # recognised as Guild's own course under the new root
    assert statement.data["authority"]["account"]["homePage"] == "https://learn.example.com"
