"""The legend and key under the static picture's plot, as the page's SVG download draws them (js/src/downloads.js).

With two or more runs drawn, a swatch and label per run (the selected one thicker), then the key: what the dots and
the line are, and the validation curve and the repeats' band when they are drawn. Items wrap to the picture's width.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

from lrwidget.widget.picture.axes import FG, MUTED, WIDTH
from lrwidget.widget.picture.layers import ACCENT

__all__ = ["LegendEntry", "band_key_text", "legend"]

ROW_PX, CHAR_PX, LEFT_PX = 18, 6.6, 62


class LegendEntry(NamedTuple):
    """One run drawn: its label, colour, and whether it is the main (selected) curve."""

    run_id: str
    label: str
    color: str
    main: bool


def band_key_text(band: Mapping[str, Any]) -> str:
    """The key's words for a repeats' band (the ``band`` trait), as js/src/band.js's ``bandKeyText`` says them."""
    repeats = int(band.get("repeats") or 0)
    finished = f"{repeats} finished repeat{'' if repeats == 1 else 's'}"
    return f"{finished if band.get('live') else f'{repeats} repeats'}: lowest–highest, median dashed"


def legend(entries: Sequence[LegendEntry], valid: tuple[str, str] | None, top: float,
           band: str | None = None) -> tuple[list[str], float]:
    """The legend's SVG elements placed from ``top`` down, and the height they take.

    ``valid``: the validation curve's ``(label, colour)`` when one is drawn; ``band``: the key's words for the
    repeats' band when one is drawn (:func:`band_key_text`).
    """
    items: list[tuple[str, str, str]] = []  # (label, swatch element, extra attributes of the item's group)
    if len(entries) > 1:
        for entry in entries:
            items.append((entry.label, f'<line x1="0" x2="16" y1="0" y2="0" stroke={quoteattr(entry.color)} '
                          f'stroke-width="{2.5 if entry.main else 1.5}"/>',
                          f' class="lrw-legend-run" data-lrw-legend-run={quoteattr(entry.run_id)}'))
    items.append(("per-batch loss", f'<circle cx="8" cy="0" r="2" fill="{FG}" fill-opacity="0.6"/>',
                  ' class="lrw-legend-key"'))
    items.append(("smoothed loss (fastai)", f'<line x1="0" x2="16" y1="0" y2="0" stroke="{FG}" stroke-width="2"/>',
                  ' class="lrw-legend-key"'))
    if valid is not None:
        label, color = valid
        items.append((label, f'<line x1="0" x2="16" y1="0" y2="0" stroke={quoteattr(color)} stroke-width="1.75" '
                      'stroke-dasharray="5 3"/>', ' class="lrw-legend-key"'))
    if band is not None:
        items.append((band, f'<rect x="0" y="-4.5" width="16" height="9" fill="{ACCENT}" fill-opacity="0.2"/>'
                      f'<line x1="0" x2="16" y1="0" y2="0" stroke="{MUTED}" stroke-width="1.5" '
                      'stroke-dasharray="4 3"/>', ' class="lrw-legend-key"'))
    parts = [f'<g class="lrw-legend" fill="{FG}" font-size="11">']
    x, row = float(LEFT_PX), 0
    for label, swatch, attributes in items:
        width = 22 + len(label) * CHAR_PX + 14
        if x > LEFT_PX and x + width > WIDTH - 8:
            x, row = float(LEFT_PX), row + 1
        y = top + 8 + row * ROW_PX + ROW_PX / 2
        parts.append(f'<g{attributes} transform="translate({x:.1f} {y:.1f})">{swatch}'
                     f'<text x="22" y="4">{escape(label)}</text></g>')
        x += width
    parts.append("</g>")
    return parts, 8 + (row + 1) * ROW_PX + 8
