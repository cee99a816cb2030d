"""Showing text from data, a link or a file literally in Streamlit markdown (`plain`)."""

from __future__ import annotations

import re

# Markdown, HTML, Streamlit directives (:red[..], :material/..:), maths ($) and entities (&lt;), plus '@' so that
# neither an e-mail address nor a bare URL (www. / https: need '.' or ':') becomes a link.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:@&=])")
# GFM autolinks bare URLs and e-mail addresses *after* escapes are resolved, so escaping cannot stop them: a
# zero-width space after the scheme or "www" and before "@" breaks the pattern and changes nothing visible.
_AUTOLINK_START = re.compile(r"(?i)\b(https?|ftp|mailto|xmpp|www)(?=[:.])")
_ZERO_WIDTH_SPACE = "\u200b"
# Line breaks would let a value start a heading, list or quote of its own; control characters have no place on screen.
_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def plain(text: object) -> str:
    """Show text from data, a link or a file literally in any Streamlit markdown (st.markdown, info, warning, error,
    caption, labels): names like '<script>', '**x**', '![](http://x/img)', 'www.evil.example' or 'a@b.example' show
    as typed, never as markup, an image or a link. Every value echoed into markdown goes through here."""
    text = _BREAKS_AND_CONTROLS.sub(" ", str(text))
    text = _AUTOLINK_START.sub(rf"\1{_ZERO_WIDTH_SPACE}", text).replace("@", f"{_ZERO_WIDTH_SPACE}@")
    return _MD_SPECIAL.sub(r"\\\1", text)
