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


def layouts_on_resize(monkeypatch) -> list[tuple[Screen, tuple[int, int]]]:
    """The screens Textual lays out again on a resize from now on, with the size: its own
    resize handler, which runs after the screen's (a spy on the one private name)."""
    seen: list[tuple[Screen, tuple[int, int]]] = []
    textual_resize = Screen._on_resize

    async def spy(self, event: events.Resize) -> None:
        seen.append((self, tuple(event.size)))
        await textual_resize(self, event)

    monkeypatch.setattr(Screen, "_on_resize", spy)
    return seen


class Sized(StyledOnMount):
    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[tuple[int, int]] = []

    def compose(self) -> ComposeResult:
        yield Static("sized", id="text")

    def on_resize(self, event: events.Resize) -> None:
        self.sizes.append(tuple(event.size))


@sync
async def test_a_screen_is_not_laid_out_again_when_it_opens_but_when_resized(monkeypatch):
    seen = layouts_on_resize(monkeypatch)
    app = App()
    async with app.run_test(size=(40, 6)) as pilot:
        plain, sized = Plain(), Sized()
        await app.push_screen(plain)
        await pilot.pause()
        assert (plain, (40, 6)) in seen  # Textual lays a screen out again as it opens
        await app.push_screen(sized)
        await pilot.pause()
        assert sized.sizes == [(40, 6)]  # the screen's own handler still runs
        assert not [s for s, _ in seen if s is sized]  # laid out once, at the resume
        assert sized.query_one("#text").size.width == 40
        await pilot.resize_terminal(50, 8)
        await pilot.pause()
        assert (sized, (50, 8)) in seen  # a real resize is Textual's
        assert sized.query_one("#text").size.width == 50
