"""Screens styled once when they open (khtui.widgets.resume): the first resume, right after
mounting, does not restyle the screen's tree; later resumes do, as Textual's always do."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from khtui.widgets.resume import StyledOnMount
from tests.screens.pilot import sync


class Plain(Screen):
    def compose(self) -> ComposeResult:
        yield Static("plain", id="text")


class Once(StyledOnMount):
    def compose(self) -> ComposeResult:
        yield Static("once", id="text")


def restyles(app: App) -> list[Screen]:
    """The screens whose whole tree is restyled from now on (Textual's update of a node's
    styles and its descendants', the screen first)."""
    seen: list[Screen] = []
    update = app.stylesheet.update_nodes

    def spy(nodes, animate: bool = False) -> None:
        nodes = list(nodes)
        if nodes and isinstance(nodes[0], Screen):
            seen.append(nodes[0])
        update(nodes, animate=animate)

    app.stylesheet.update_nodes = spy  # type: ignore[method-assign]
    return seen


@sync
async def test_a_screen_is_not_restyled_when_it_opens_but_when_it_comes_back():
    app = App()
    async with app.run_test(size=(40, 6)) as pilot:
        seen = restyles(app)
        plain, once = Plain(), Once()
        await app.push_screen(plain)
        await pilot.pause()
        assert plain in seen  # Textual restyles a screen as it opens
        await app.push_screen(once)
        await pilot.pause()
        assert once not in seen  # styled as its widgets mounted, not again
        assert app.screen.query_one("#text").styles.height is not None
        once.post_message(events.ScreenResume())  # resumed again (say, after a mode switch)
        await pilot.pause()
        assert once in seen  # restyled, as Textual restyles every later resume
