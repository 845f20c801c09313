"""The footer of the keys (khtui.widgets.footer): what Textual's footer shows, its keys made
again only when they change."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer as TextualFooter
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from khtui.widgets.footer import COMPACT_BELOW, Footer
from khtui.widgets.text_boxes import Input
from tests.screens.pilot import sync
from tests.screens.plain_widgets import plain_imports


class Box(Input):
    BINDINGS: ClassVar = [Binding("ctrl+e", "erase", "Erase")]


def footer_app(footer_cls: type, *, compact: bool = False) -> App:
    class Keys(App):
        BINDINGS: ClassVar = [
            Binding("a", "add", "Add"),
            Binding("d", "drop", "Drop"),
            Binding("x", "hidden", "Hidden", show=False),
        ]
        AUTO_FOCUS = None  # nothing focused at first: the app's keys are shown
        dropped = False

        def compose(self) -> ComposeResult:
            yield Static("keys")
            yield Box(id="box")
            yield footer_cls(compact=compact)

        def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
            if action == "drop":
                return None if self.dropped else True  # None: shown dimmed
            return True

    return Keys()


def shown(app: App) -> list[tuple[str, str, bool]]:
    return [
        (k.key_display, k.description, k.has_class("-disabled"))
        for k in app.screen.query(FooterKey)
        if k.region
    ]


@sync
async def test_footer_draws_what_textuals_footer_draws():
    for compact in (False, True):
        shots = []
        for cls in (TextualFooter, Footer):
            app = footer_app(cls, compact=compact)
            async with app.run_test(size=(COMPACT_BELOW, 6)) as pilot:
                await pilot.pause()
                await pilot.pause()
                shots.append((shown(app), app.export_screenshot()))
        assert shots[0][0] and shots[0] == shots[1], compact


@sync
async def test_a_narrow_terminal_draws_the_keys_compact_and_a_wide_one_as_made():
    """Below COMPACT_BELOW columns the keys take Textual's compact form (an 80-column footer
    then shows its last keys); widened again, the footer is drawn as it was made."""
    app = footer_app(Footer)
    async with app.run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        assert footer.compact
        assert all(k.has_class("-compact") for k in app.screen.query(FooterKey))
        await pilot.resize_terminal(COMPACT_BELOW, 6)
        await pilot.pause()
        assert not footer.compact
    made_compact = footer_app(Footer, compact=True)
    async with made_compact.run_test(size=(COMPACT_BELOW, 6)) as pilot:
        await pilot.pause()
        assert made_compact.screen.query_one(Footer).compact  # as its maker wanted


@sync
async def test_footer_keeps_its_keys_while_they_stay_the_same():
    app = footer_app(Footer)
    async with app.run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        keys = list(app.screen.query(FooterKey))
        assert [d for _k, d, _off in shown(app)] == ["Add", "Drop", "palette"]
        for _ in range(3):
            app.screen.refresh_bindings()
            await pilot.pause()
        assert list(app.screen.query(FooterKey)) == keys  # the same widgets, not made again


@sync
async def test_footer_follows_the_keys_when_they_change():
    app = footer_app(Footer)
    async with app.run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        assert [d for _k, d, _off in shown(app)][:2] == ["Add", "Drop"]
        assert ("d", "Drop", False) in shown(app)
        # a key disabled: shown dimmed
        app.dropped = True
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert ("d", "Drop", True) in shown(app)  # dimmed
        # the focus in the box: its own key appears
        await pilot.click("#box")
        await pilot.pause()
        await pilot.pause()
        assert "Erase" in [d for _k, d, _off in shown(app)]
        # and leaves with the focus
        app.set_focus(None)
        await pilot.pause()
        await pilot.pause()
        assert "Erase" not in [d for _k, d, _off in shown(app)]


@sync
async def test_the_first_frame_shows_the_keys():
    """Textual's footer makes its keys a frame after the screen's first; this one makes them
    with the screen, so its first frame shows them."""
    at_first: dict[type, list] = {}
    for cls in (TextualFooter, Footer):
        app = footer_app(cls)

        def first_frame(app=app, cls=cls) -> None:
            at_first[cls] = shown(app)

        app.call_after_refresh(first_frame)
        async with app.run_test(size=(80, 6)) as pilot:
            await pilot.pause()
            await pilot.pause()
            later = shown(app)
        assert later and [d for _k, d, _off in later][:2] == ["Add", "Drop"]
        if cls is Footer:
            assert at_first[cls] == later
    assert at_first[TextualFooter] == []


def test_every_screen_of_the_program_uses_this_footer():
    """No module shows Textual's own Footer (it remakes its keys when nothing changed)."""
    assert plain_imports({"Footer"}, replaced_in="footer.py") == []
