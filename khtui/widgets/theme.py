"""Rich styles for text drawn inside tables and charts, taken from the app's Textual theme.

Screens style their widgets in CSS with the theme's variables (``$error``, ``$warning``…); text
styled cell by cell (a table's cells, a chart) asks here instead of naming colours, so that
every colour comes from the theme.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from textual.app import App

# role -> Rich style, with the theme's CSS variables in braces
ROLES = {
    "alarm": "bold {foreground} on {error}",  # needs action now (overdue, past a limit)
    "late": "bold {text-error}",  # overdue, in a list
    "warn": "bold {text-warning}",  # not in the normal state (a retailer's status)
    "good": "{text-success}",  # editable, done
    "failed": "{text-error}",  # did not happen (a visit not made)
    "invalid": "bold {text-error}",  # what was typed is refused: the hint under a box
    "muted": "{foreground-darken-3}",
    "bad": "{text-error}",  # wrong, but not urgent (a complaint)
    "caution": "{text-warning}",  # to watch (a licence due, sales falling, a new brand)
    "rise": "{text-accent}",  # above the usual (sales rising)
    "surplus": "{text-secondary}",  # more than needed (overstock)
    "series1": "{primary-lighten-2}",  # a chart's first series (bars; the forecast's history)
    "series2": "bold {warning}",  # its second series (a line; the forecast's months)
}


# app -> (theme name, its variables): building them takes about a millisecond, and a table
# asks once per cell
_VARIABLES: WeakKeyDictionary[App, tuple[str, dict[str, str]]] = WeakKeyDictionary()


def _variables(app: App) -> dict[str, str]:
    cached = _VARIABLES.get(app)
    if cached is None or cached[0] != app.theme:
        cached = (app.theme, app.get_css_variables())
        _VARIABLES[app] = cached
    return cached[1]


def style(app: App, role: str) -> str:
    """The Rich style of ``role`` (see :data:`ROLES`) in ``app``'s current theme."""
    return ROLES[role].format_map(_variables(app))


def color(app: App, variable: str) -> str:
    """One of the theme's colour variables (``"primary"``, ``"warning"``…) as ``#RRGGBB``."""
    return _variables(app)[variable]


def rgb(app: App, variable: str) -> tuple[int, int, int]:
    """One of the theme's colour variables as (red, green, blue), for a plotext chart."""
    from textual.color import Color

    return Color.parse(color(app, variable)).rgb


__all__ = ["ROLES", "color", "rgb", "style"]
