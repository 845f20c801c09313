"""Rich styles for text drawn inside tables and charts, taken from the app's Textual theme.

Screens style their widgets in CSS with the theme's variables (``$error``, ``$warning``…); text
styled cell by cell (a table's cells, a chart) asks here instead of naming colours, so that
every colour comes from the theme.
"""

from __future__ import annotations

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
    "series1": "{primary-lighten-2}",  # a chart's first series (bars)
    "series2": "bold {warning}",  # its second series (a line)
}


def style(app: App, role: str) -> str:
    """The Rich style of ``role`` (see :data:`ROLES`) in ``app``'s current theme."""
    variables = app.get_css_variables()
    return ROLES[role].format_map(variables)


def color(app: App, variable: str) -> str:
    """One of the theme's colour variables (``"primary"``, ``"warning"``…) as ``#RRGGBB``."""
    return app.get_css_variables()[variable]


__all__ = ["ROLES", "color", "style"]
