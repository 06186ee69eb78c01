"""Comment text: Markdown rendered to HTML, then sanitised.

Comments are written by anyone on a production, so their HTML is never
trusted: markdown-it-py renders with raw HTML turned off (tags typed in a
comment show as text), and nh3 then keeps only a small list of tags and
attributes. Bare web addresses become links, images are not embedded (the
page's Content-Security-Policy allows pictures from this site only), and
``@Full Name`` mentions are highlighted.
"""

import re
from functools import lru_cache
from html import escape, unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "span",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
BARE_URL = re.compile(r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]]")
TAG_SPLIT = re.compile(r"(<[^>]*>)")


def _linkify(state):
    """Turn bare http(s) addresses in text into links (a core rule)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if token.type != "text" or in_link or "http" not in token.content:
                children.append(token)
                continue
            children.extend(_split_urls(state, token))
        block.children = children


def _split_urls(state, token):
    """Text tokens and link tokens for one text token with addresses."""
    text = token.content
    tokens = []
    position = 0
    for match in BARE_URL.finditer(text):
        if match.start() > position:
            tokens.append(_text(state, text[position:match.start()]))
        url = match.group(0)
        link_open = Token("link_open", "a", 1)
        link_open.attrs = {"href": url}
        tokens.extend([link_open, _text(state, url),
                       Token("link_close", "a", -1)])
        position = match.end()
    if position < len(text):
        tokens.append(_text(state, text[position:]))
    return tokens


def _text(state, content):
    token = Token("text", "", 0)
    token.content = content
    return token


@lru_cache(maxsize=1)
def _parser():
    parser = MarkdownIt(
        "commonmark", {"html": False, "breaks": True, "typographer": False}
    )
    parser.enable(["strikethrough", "table"])
    parser.disable("image")
    parser.core.ruler.push("kitsu_linkify", _linkify)
    return parser


def sanitise(html):
    """Keep only the harmless tags and attributes of an HTML fragment."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def highlight_mentions(html, names):
    """Wrap ``@Full Name`` of the mentioned people in a mention span."""
    names = sorted({n for n in names or () if n}, key=len, reverse=True)
    if not names:
        return html
    pattern = re.compile(
        "@(" + "|".join(re.escape(escape(n, quote=False)) for n in names)
        + r")(?=[\s<.,;:!?)]|$)"
    )
    parts = TAG_SPLIT.split(html)
    for index in range(0, len(parts), 2):
        parts[index] = pattern.sub(
            r'<span class="mention">@\1</span>', parts[index]
        )
    return "".join(parts)


def render(text, mentions=None):
    """Comment Markdown as safe HTML (a ``Markup``), mentions highlighted."""
    if not text:
        return Markup("")
    html = sanitise(_parser().render(text))
    return Markup(highlight_mentions(html, mentions))


def excerpt(text, length=140):
    """The comment as plain text, cut to ``length`` characters."""
    if not text:
        return ""
    html = _parser().render(text)
    plain = nh3.clean(html, tags=set())
    plain = re.sub(r"\s+", " ", unescape(plain)).strip()
    if len(plain) > length:
        plain = plain[: length - 1].rstrip() + "…"
    return plain

