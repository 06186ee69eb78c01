"""4. First contentful paint and time-to-usable of the shot list.

Headless Debian Chromium through Playwright. "Usable" means: the first
row of the list is laid out on screen, the document is parsed and htmx is
loaded (so clicks and the search box work), and the page has painted
(FCP passed). Both are read from the page's own clock (ms since navigation
start). The direct-Zou column is the time of the Zou calls the page needs
(measure 3's replay), i.e. the floor a single-page app would pay before it
could draw its first row.
"""

import shutil

from ..results import Row, missing_rows
from ..stats import Series
from .shotlist import access_log, calls_since, log_offset, replay

MEASURE = "4. Shot list in Chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-dev-shm-usage",
]
# An entity row of the list; any body row only once the page has loaded.
ROW_SELECTOR = "tr[data-entity-id]"
USABLE_JS = """(selector) => {
  const row = document.querySelector(selector) ||
    (document.readyState === 'complete' &&
     document.querySelector('main tbody tr'));
  if (!row || document.readyState === 'loading' || !window.htmx) {
    return false;
  }
  const box = row.getBoundingClientRect();
  if (box.height <= 0 || box.top >= window.innerHeight) { return false; }
  return performance.now();
}"""
FCP_JS = """() => {
  const entry = performance.getEntriesByName('first-contentful-paint')[0];
  return entry ? entry.startTime : null;
}"""


def first_line(exc):
    """A Playwright error in one line."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


def chromium_path():
    """Debian's Chromium, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run(ctx):
    """FCP and time-to-usable over repeated loads of the shot list."""
    workload = ctx.workload
    page_path = f"/productions/{workload['project_id']}/shots"
    labels = ["first contentful paint", "time to usable first screen"]
    session, _ = ctx.web_session()
    if ctx.probe(page_path, session=session) == 404:
        return missing_rows(MEASURE, labels)
    executable = chromium_path()
    if not executable:
        return missing_rows(MEASURE, labels,
                            reason="n/a (chromium not installed)")
    from playwright.sync_api import Error, sync_playwright

    fcp, usable = Series(), Series()
    seen = []
    log_path = access_log(ctx)
    offset = log_offset(log_path)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                base_url=ctx.web_url, viewport={"width": 1400, "height": 900})
            # The harness's own logged-in session cookie, not a new login.
            context.add_cookies([
                {"name": cookie.name, "value": cookie.value,
                 "url": ctx.web_url}
                for cookie in session.cookies
            ])
            warm = context.new_page()
            warm.goto(page_path)
            warm.close()
            seen = calls_since(log_path, offset)
            # One tab in front, navigated again each time: a fresh
            # performance timeline per load, and painting is never skipped
            # as it can be for background tabs.
            page = context.new_page()
            for _ in range(ctx.repeats(10, 3)):
                try:
                    page.goto("about:blank")
                    page.goto(page_path, wait_until="commit")
                    handle = page.wait_for_function(
                        USABLE_JS, arg=ROW_SELECTOR, timeout=30000,
                        polling="raf")
                    ready = handle.json_value()
                    handle = page.wait_for_function(FCP_JS, timeout=10000)
                    painted = handle.json_value()
                except Error as exc:
                    usable.fail(first_line(exc))
                    continue
                fcp.add(painted)
                # Laid out is not yet seen: usable once painted too.
                usable.add(max(ready, painted))
            page.close()
            context.close()
        finally:
            browser.close()
    # Measure 3's cold call list when it ran, else one warm load's calls.
    calls = getattr(ctx, "shot_calls", None) or list(dict.fromkeys(seen))
    needed = Series()
    if calls:
        zou = ctx.zou_session()
        for _ in range(ctx.repeats(10, 3)):
            replay(ctx, zou, calls, needed)
    else:
        needed.fail("no Zou call seen in the access log")
    return [
        Row(MEASURE, labels[0], fcp, needed,
            note="headless Chromium, warm cache, page clock"),
        Row(MEASURE, labels[1], usable, needed,
            note="first entity row on screen and painted, DOM parsed, "
                 "htmx loaded"),
    ]
