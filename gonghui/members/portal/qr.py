"""QR codes as inline SVG (segno), for e-cards and join posters."""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str, *, title: str = "", error: str = "m") -> SafeString:
    """An inline <svg> of a regular (never micro) QR code for `text`; sized by CSS (viewBox only)."""
    code = segno.make_qr(text, error=error)
    svg = code.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None, title=title or None)
    return mark_safe(svg)  # noqa: S308 (segno's own markup; segno escapes the title)
