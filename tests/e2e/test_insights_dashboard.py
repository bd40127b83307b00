"""An analyst opens the course dashboard in a real browser, sees the funnel drawn and downloads its CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.factories import UserFactory
from tests.insights.dashboards.conftest import build_activity, fill

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]  # see conftest


def test_analyst_sees_the_funnel_drawn_and_downloads_its_csv(baseline_data, browser, live_server, artifacts):
    activity = build_activity()
    fill()
    analyst = UserFactory(username="analyst", groups=["Analysts"])
    client = Client()
    client.force_login(analyst)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(
        base_url=live_server.url, accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/admin/insights/")
        page.get_by_role("link", name="Course", exact=True).first.click()
        page.get_by_role("link", name="Running effective meetings").click()
        expect(page.get_by_role("heading", name="Completion funnel")).to_be_visible()

        canvas = page.locator("canvas#chart-funnel")
        expect(canvas).to_have_attribute("data-drawn", "true")
        box = canvas.bounding_box()
        assert box["width"] > 100
        assert box["height"] > 50
        # Chart.js drew bars: the canvas holds non-transparent pixels.
        painted = canvas.evaluate(
            """canvas => {
                const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
                let painted = 0;
                for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
                return painted;
            }"""
        )
        assert painted > 500
        # The accessible alternative holds the same numbers.
        funnel = page.locator("section[data-chart='funnel']")
        funnel.get_by_text("Data table").click()
        expect(funnel.get_by_role("row", name="Enrolled 5 100.0")).to_be_visible()
        page.screenshot(path=str(artifacts / "insights-course-dashboard.png"), full_page=True)

        with page.expect_download() as download_info:
            funnel.get_by_role("link", name="Download CSV").click()
        download = download_info.value
        assert download.suggested_filename.startswith("guild-course-funnel-")
        rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
        assert rows == [
            ["Stage", "Learners", "% of enrolled"],
            ["Enrolled", "5", "100.0"],
            ["Started", "4", "80.0"],
            ["Halfway", "2", "40.0"],
            ["Completed", "1", "20.0"],
        ]
        assert activity.course.title in page.content()
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
