"""Comment Markdown is rendered and sanitised."""

from kitsu_web.markdown import excerpt, render


def test_case5_bold_link_script_emoji():
    """Bold renders, the link is safe, the img handler is gone, emoji kept."""
    html = str(render(
        "**bold** [site](https://example.com/a) "
        "<img src=x onerror=alert(1)> 🎬✨"
    ))
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com/a"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<img" not in html
    assert "&lt;img" in html
    assert "🎬✨" in html


def test_javascript_links_are_dropped():
    """A javascript: link keeps its text but loses its address."""
    html = str(render("[click](javascript:alert(1)) and <a href=x>raw</a>"))
    assert 'href="javascript' not in html
    assert "<a href=x>" not in html
    html = str(render("<javascript:alert(1)> [x](JaVaScRiPt:alert(1))"))
    assert "href" not in html


def test_raw_html_shows_as_text():
    """Tags typed in a comment are shown, never interpreted."""
    html = str(render("<script>alert(1)</script>"))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_images_are_not_embedded():
    """Markdown images do not load remote pictures."""
    html = str(render("![pic](https://tracker.example/p.png)"))
    assert "<img" not in html


def test_bare_urls_become_links():
    """A pasted address is clickable; trailing punctuation stays out."""
    html = str(render("See https://example.com/x?a=1."))
    assert '<a href="https://example.com/x?a=1"' in html
    assert "</a>." in html


def test_mentions_are_highlighted():
    """@Full Name of a mentioned person is wrapped, others are not."""
    html = str(render("Hi @Alex Artist and @Nobody", ["Alex Artist"]))
    assert '<span class="mention">@Alex Artist</span>' in html
    assert "@Nobody" in html and "mention\">@Nobody" not in html


def test_mention_names_are_escaped():
    """A name with markup characters cannot inject HTML."""
    html = str(render("@<b>x</b> hi", ["<b>x</b>"]))
    assert "<b>x</b>" not in html


def test_lists_code_and_breaks():
    """Lists, code and line breaks survive sanitising."""
    html = str(render("- a\n- b\n\n`code`\nline"))
    assert "<ul>" in html and "<li>a</li>" in html
    assert "<code>code</code>" in html
    assert "<br" in html


def test_excerpt_is_plain_text():
    """The My Tasks excerpt has no markup and is cut."""
    text = excerpt("**bold** _x_ " + "word " * 60, length=40)
    assert "*" not in text and "<" not in text
    assert text.startswith("bold")
    assert len(text) <= 40
