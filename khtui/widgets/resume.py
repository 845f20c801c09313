"""Screens that are not styled, nor laid out, twice when they open.

Textual restyles a screen's whole tree each time the screen is resumed (made the active
screen), because a theme or stylesheet may have changed while it was covered. The first
resume comes right after the screen was mounted, when every widget has just been styled as it
was mounted: restyling the tree again then costs as much as styling it did, before the
screen's first frame, and changes nothing. :class:`StyledOnMount` skips that first restyle
through the event's public ``refresh_styles`` flag; every later resume restyles as before.

Likewise the first resize: the first resume lays the screen out at the app's size, and that
layout sends the screen (as a widget just shown) a resize to the same size, on which Textual
lays it out again and every screen under it too before the next frame. The screen takes that
one resize for itself when its size is the one it was just laid out at; any other resize, and
every later one, is Textual's as before.
"""

from __future__ import annotations

from textual import events, on
from textual.geometry import Size
from textual.screen import Screen


class StyledOnMount(Screen):
    """A screen whose first resume (right after mounting) does not restyle it (its handler
    runs before Textual's own, which reads the flag)."""

    _resumed_once = False
    _laid_out_at: Size | None = None  # the size of the first layout, until its resize came

    @on(events.ScreenResume)
    def _styled_on_mount(self, event: events.ScreenResume) -> None:
        if not self._resumed_once:
            self._resumed_once = True
            event.refresh_styles = False
            self._laid_out_at = self.app.size  # where Textual's resume lays the screen out

    @on(events.Resize)
    def _laid_out_on_resume(self, event: events.Resize) -> None:
        """The resize the first layout sent, to the size it laid out: not laid out again (the
        screen's own resize handlers have run; Textual's, which would, runs after them)."""
        first, self._laid_out_at = self._laid_out_at, None
        if first is not None and event.size == first:
            event.stop()
            event.prevent_default()


__all__ = ["StyledOnMount"]
