"""The colours the static picture shares with the live view, read from the view's own style sheet.

The run palette (``--lrw-run-N``, js/src/runs.css) and the validation curve's colour (``--lrw-valid``,
js/src/validation.css) are defined once, in the front end's CSS, for light and dark backgrounds. The built style
sheet ships in the package (``lrwidget/static/widget.css``, rebuilt by ``cd js && npm run build``), so the picture
reads the light values from there rather than keeping a copy that could drift. The picture has one, light, theme.
"""
from __future__ import annotations

import functools
import re

from lrwidget.widget.view import STATIC

__all__ = ["light_colors", "run_color", "run_palette", "valid_color"]

#: The style sheet the colours come from (the live view's).
STYLE_SHEET = STATIC / "widget.css"
# A rule for the root alone (the light values); `.lrw-root.lrw-dark { … }` and media rules are other selectors.
_LIGHT_RULE = re.compile(r"(?m)^\.lrw-root\s*\{([^}]*)\}")
_HEX_COLOR = re.compile(r"--(lrw-[\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;")


@functools.cache
def light_colors() -> dict[str, str]:
    """Every ``--lrw-*`` custom property of the style sheet's light root rules whose value is a plain ``#rrggbb``."""
    css = STYLE_SHEET.read_text(encoding="utf-8")
    return {name: value.lower() for body in _LIGHT_RULE.findall(css) for name, value in _HEX_COLOR.findall(body)}


def _color(name: str) -> str:
    color = light_colors().get(name)
    if color is None:
        raise RuntimeError(f"{STYLE_SHEET} defines no --{name} colour on .lrw-root: rebuild it "
                           "(cd js && npm run build)")
    return color


def run_palette() -> tuple[str, ...]:
    """The run colours on a light background, in ``color_index`` order (``--lrw-run-0`` …)."""
    palette: list[str] = []
    while f"lrw-run-{len(palette)}" in light_colors():
        palette.append(light_colors()[f"lrw-run-{len(palette)}"])
    if not palette:
        _color("lrw-run-0")  # raises, naming the style sheet
    return tuple(palette)


def run_color(color_index: int) -> str:
    """A run's colour by its fixed ``color_index``; past the palette it wraps around, as js/src/runs.js runColor."""
    palette = run_palette()
    return palette[color_index % len(palette) if color_index >= 0 else 0]


def valid_color() -> str:
    """The validation-loss curve's colour on a light background."""
    return _color("lrw-valid")
