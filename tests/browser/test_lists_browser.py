"""The lists in Chromium: search in place with history, infinite scroll,
and the look of the shot list in both themes."""

import re

import pytest
from playwright.sync_api import expect

from tests.plugins.live_server import LiveServer, browser_login
from tests.test_lists import Zou, ensure_big_production

pytestmark = pytest.mark.browser


def row_names(page):
    """Names of the rows shown."""
    names = page.locator("#list-rows tr[id^=row-] .entity-name")
    return names.all_inner_texts()


def test_search_back_and_forward_ask_the_server(page, live_server,
                                                zou_stack):
    """Filter in place, leave, come back: same URL, same rows, fresh."""
    short = zou_stack.projects["short"]
    browser_login(page, zou_stack, "admin")
    url = f"/productions/{short['id']}/shots"
    page.goto(url)
    assert len(row_names(page)) == 20
    depth = page.evaluate("history.length")
    page.fill("#list-search-input", "SQ020 SH01")
    page.wait_for_url(re.compile(r"search=SQ020(\+|%20)SH01$"))
    expect(page.locator("#list-rows tr[id^=row-]")).to_have_count(1)
    # Typing updates the address in place: one Back still leaves the list.
    assert page.evaluate("history.length") == depth
    filtered_url = page.url
    assert row_names(page) == ["SH010"]
    assert "1</strong> shown of <strong>1" in page.inner_html("#list-count")
    page.click("nav.sidebar >> text=My Productions")
    page.wait_for_url(re.compile(r"/open-productions$"))
    mark = len(live_server.log())
    page.go_back()
    page.wait_for_url(filtered_url)
    page.wait_for_selector("#list-rows tr[id^=row-]")
    assert row_names(page) == ["SH010"]
    assert page.input_value("#list-search-input") == "SQ020 SH01"
    asked = live_server.log()[mark:]
    assert re.search(
        rf"GET {re.escape(url)}\?search=SQ020(\+|%20)SH01 ", asked
    ), asked
    page.go_forward()
    page.wait_for_url(re.compile(r"/open-productions$"))
    page.go_back()
    page.wait_for_url(filtered_url)
    assert row_names(page) == ["SH010"]


def test_sorting_then_typing_keeps_both_in_the_url(page, live_server,
                                                   zou_stack):
    """A header click sorts in place; the search then keeps the sort."""
    short = zou_stack.projects["short"]
    browser_login(page, zou_stack, "admin")
    page.goto(f"/productions/{short['id']}/shots")
    page.click("thead >> text=Name")
    page.wait_for_url(re.compile(r"\?sort=-name$"))
    expect(page.locator("#list-rows tr[id^=row-]").first).to_contain_text(
        "SH100")
    page.fill("#list-search-input", "SQ010")
    page.wait_for_url(re.compile(r"search=SQ010&sort=-name$"))
    expect(page.locator("#list-rows tr[id^=row-]")).to_have_count(10)
    assert row_names(page)[:2] == ["SH100", "SH090"]
    page.reload()
    assert row_names(page)[:2] == ["SH100", "SH090"]
    assert page.input_value("#list-search-input") == "SQ010"


def test_selectors_navigate(page, live_server, zou_stack):
    """Section and episode selectors change the page (URL-only state)."""
    tv = zou_stack.projects["tv"]
    e02 = tv["episodes"][1]
    browser_login(page, zou_stack, "admin")
    page.goto(f"/productions/{tv['id']}/shots")
    page.wait_for_url(re.compile(r"/episodes/[^/]+/shots$"))
    page.select_option("#select-episode", label="E02")
    page.wait_for_url(re.compile(rf"/episodes/{e02['id']}/shots$"))
    page.select_option("#select-section", label="Assets")
    page.wait_for_url(re.compile(rf"/episodes/{e02['id']}/assets$"))
    page.select_option("#select-production", label="Paper Lanterns")
    page.wait_for_url(re.compile(r"/productions/[^/]+/assets$"))
    assert "Lina" in row_names(page)


@pytest.fixture(scope="module")
def paged_server(zou_stack, tmp_path_factory):
    """A second kitsu-web with 50 rows per page."""
    server = LiveServer(zou_stack, tmp_path_factory.mktemp("paged"),
                        extra_env={"KITSU_WEB_PAGE_SIZE": "50"})
    server.start()
    yield server
    server.stop()


def test_scrolling_reaches_the_last_page(browser, paged_server, zou_stack):
    """600 shots: 50 first, the rest loads as the grid scrolls."""
    project = ensure_big_production(Zou(zou_stack))
    context = browser.new_context(base_url=paged_server.url,
                                  viewport={"width": 1400, "height": 900})
    problems = []
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text)
            if "Content Security Policy" in m.text else None)
    try:
        browser_login(page, zou_stack, "admin")
        page.goto(f"/productions/{project['id']}/shots")
        assert len(row_names(page)) == 50
        for _ in range(40):
            count = page.locator("#list-rows tr[id^=row-]").count()
            if count == 600:
                break
            page.eval_on_selector(
                ".grid-scroll", "box => box.scrollTo(0, box.scrollHeight)")
            page.locator("#list-rows tr[id^=row-]").nth(count).wait_for(
                timeout=10000)
        names = row_names(page)
        assert len(names) == 600 and names[-1] == "SH0600"
        assert len(set(names)) == 600
        assert page.locator(".more-row").count() == 0
        assert "600</strong> shown of <strong>600" in page.inner_html(
            "#list-count")
    finally:
        context.close()
    assert not problems, problems


def test_shot_list_screenshots(page, live_server, zou_stack):
    """The shot list in the light and the dark theme."""
    short = zou_stack.projects["short"]
    browser_login(page, zou_stack, "supervisor")
    page.goto(f"/productions/{short['id']}/shots")
    page.wait_for_selector("#list-rows tr[id^=row-]")
    page.screenshot(path="/tmp/kitsu-web-shots-light.png")
    page.click(".user-menu summary")
    page.click("text=Dark theme")
    page.wait_for_selector("html[data-theme=dark]")
    page.wait_for_selector("#list-rows tr[id^=row-]")
    page.screenshot(path="/tmp/kitsu-web-shots-dark.png")
    colour = page.eval_on_selector(
        "#list-rows .cell .status",
        "el => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
