"""Colours a rendered view resolved, and the WCAG contrast between two of them."""
from __future__ import annotations

import re

#: A page function: the view's classes and background, its text colours and the curve's, as the browser computes them.
COLOURS = """() => {
  const root = document.querySelector('[data-lrw-root]');
  const style = (selector) => getComputedStyle(root.querySelector(selector));
  return {
    classes: [...root.classList], background: getComputedStyle(root).backgroundColor,
    text: { tickLabel: style('.lrw-tick-label').fill, axisTitle: style('.lrw-axis-title').fill,
            status: style('.lrw-status-line').color, handleLabel: style('.lrw-knob-group--hi text').fill },
    curve: style('[data-lrw-curve]').stroke,
  };
}"""


def rgba(colour: str) -> tuple[float, float, float, float]:
    """A computed colour, `rgb(…)`, `rgba(…)` or `color(srgb …)`, as 0–1 channels and alpha."""
    match = re.fullmatch(r"rgba?\(([^)]*)\)|color\(srgb ([^)]*)\)", colour.strip())
    assert match, f"unexpected computed colour {colour!r}"
    parts = [float(part) for part in re.split(r"[\s,/]+", (match[1] or match[2]).strip())]
    scale = 255.0 if match[1] is not None else 1.0
    return parts[0] / scale, parts[1] / scale, parts[2] / scale, parts[3] if len(parts) > 3 else 1.0


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of `foreground` (blended by its alpha) over an opaque `background`."""
    *back, _ = rgba(background)
    *fore, alpha = rgba(foreground)
    blended = [alpha * f + (1 - alpha) * b for f, b in zip(fore, back, strict=True)]

    def luminance(rgb: list[float]) -> float:
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(blended), luminance(back)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
