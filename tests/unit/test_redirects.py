"""The page to return to after login is always a same-site path."""

import pytest

from kitsu_web.auth.redirects import safe_next


@pytest.mark.parametrize("value", [
    "//evil.example/x", "https://evil.example/", "http:/evil", "/\\evil",
    "\\\\evil", "javascript:alert(1)", "/x\nLocation: y", "", None,
    "evil.example", "/login?next=/x",
])
def test_unsafe_targets_fall_back_to_home(value):
    """Off-site, scheme and backslash tricks are ignored."""
    assert safe_next(value) == "/"


@pytest.mark.parametrize("value", [
    "/productions/abc/shots?search=SQ010", "/my-tasks", "/",
])
def test_same_site_paths_are_kept(value):
    """Same-site paths with queries survive."""
    assert safe_next(value) == value
