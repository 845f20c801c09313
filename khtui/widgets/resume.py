"""Screens that are not styled twice when they open.

Textual restyles a screen's whole tree each time the screen is resumed (made the active
screen), because a theme or stylesheet may have changed while it was covered. The first
resume comes right after the screen was mounted, when every widget has just been styled as it
was mounted: restyling the tree again then costs as much as styling it did, before the
screen's first frame, and changes nothing. :class:`StyledOnMount` skips that first restyle
through the event's public ``refresh_styles`` flag; every later resume restyles as before.
"""

from __future__ import annotations

from textual import events, on
from textual.screen import Screen


class StyledOnMount(Screen):
    """A screen whose first resume (right after mounting) does not restyle it (its handler
    runs before Textual's own, which reads the flag)."""

    _resumed_once = False

    @on(events.ScreenResume)
    def _styled_on_mount(self, event: events.ScreenResume) -> None:
        if not self._resumed_once:
            self._resumed_once = True
            event.refresh_styles = False


__all__ = ["StyledOnMount"]
