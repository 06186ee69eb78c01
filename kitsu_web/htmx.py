"""One rendering path for pages and the fragments htmx swaps in."""

from flask import make_response, render_template, request


def is_fragment_request():
    """True for an htmx request that wants a fragment, not a whole page.

    Boosted requests and history restores get whole pages.
    """
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(page, fragment=None, status=200, **context):
    """Render ``page``, or only ``fragment`` for an htmx fragment request."""
    template = fragment if fragment and is_fragment_request() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(location):
    """Tell htmx to navigate the whole page (a 200 with ``HX-Redirect``)."""
    response = make_response("", 200)
    response.headers["HX-Redirect"] = location
    return response
