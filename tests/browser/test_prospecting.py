"""Prospecting in real Chromium (issue 5): build a segment with no code and drill down from
an analysis chart to the companies behind a bar."""

import re

import pytest
from playwright.sync_api import expect

from khata.clients.tests.factories import CompanyFactory
from tests.browser.test_journeys import click_and_wait, sign_in

pytestmark = [pytest.mark.browser]


def test_build_a_segment_then_drill_down_from_a_chart(page, watch, live_server,
                                                       transactional_db, manager):
    for name, region, lifecycle in [("Goa Prawns", "Goa", "prospect"),
                                    ("Panaji Ports", "Goa", "client"),
                                    ("Kochi Coir", "Kerala", "prospect")]:
        CompanyFactory(owner=manager, display_name=name, region=region, lifecycle=lifecycle)
    sign_in(page, live_server.url, manager.email)

    # A manager opens Segments and starts a new one
    click_and_wait(page, page.get_by_role("link", name="Segments", exact=True))
    click_and_wait(page, page.get_by_role("link", name="New segment"))
    page.get_by_label("Name").fill("Goa accounts")

    # choosing a field brings its conditions (htmx re-renders the builder in place)
    with page.expect_response(lambda r: "/segments/new/" in r.url and r.request.method == "POST"):
        page.locator("#g0-0-field").select_option("region")
    expect(page.locator("#g0-0-op")).to_have_value("in")
    # and typing a value updates the count
    with page.expect_response(lambda r: "/segments/new/" in r.url and r.request.method == "POST"):
        page.locator("#g0-0-value").fill("Goa")
        page.locator("#g0-0-value").press("Tab")
    expect(page.get_by_test_id("segment-count")).to_have_text(re.compile("2 companies match"))

    # saving shows the members
    click_and_wait(page, page.get_by_role("button", name="Save segment"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Goa accounts")
    expect(page.get_by_test_id("segment-members")).to_contain_text("Goa Prawns")
    expect(page.get_by_test_id("segment-members")).not_to_contain_text("Kochi Coir")

    # The analysis page draws its charts with the bundled plotly, under the strict script CSP
    click_and_wait(page, page.get_by_role("link", name="Analysis", exact=True))
    chart = page.get_by_test_id("chart-region")
    expect(chart).to_have_attribute("data-drawn", "true")

    # a click on the "Prospects" bar for Goa opens the companies behind it
    # (where a person clicks: plotly's drag layer lies over the bars and finds the bar itself)
    box = chart.locator("g.trace.bars").first.locator("path").first.bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"/companies/\?region=Goa&lifecycle=prospect$"))
    expect(page.locator("#results")).to_contain_text("Goa Prawns")
    expect(page.locator("#results")).not_to_contain_text("Panaji Ports")
