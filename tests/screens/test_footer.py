"""The footer of the keys (khtui.widgets.footer): what Textual's footer shows, its keys made
again only when they change."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer as TextualFooter
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from khtui.widgets.footer import COMPACT_BELOW, Footer
from khtui.widgets.text_boxes import Input
from tests.screens.pilot import running, settle, sync
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


def many_keys_app(kept: frozenset[str] = frozenset()) -> App:
    """A screen of ten keys with two-cell CJK labels (more than 80 columns of them), and the
    app's help key after them; the screen keeps the keys of the actions ``kept``."""
    from textual.screen import Screen

    class Busy(Screen):
        BINDINGS: ClassVar = [Binding(c, f"act_{c}", f"编辑{c}文字") for c in "abcdefghij"]
        FOOTER_KEPT = kept

        def compose(self) -> ComposeResult:
            yield Static("keys")
            yield Footer()

    class Keys(App):
        BINDINGS: ClassVar = [Binding("question_mark", "help", "帮助", key_display="?")]

        def on_mount(self) -> None:
            self.push_screen(Busy())

    return Keys()


def keys_fit(app: App) -> list[str]:
    """The footer's shown keys, after checking each lies wholly left of the palette's key."""
    keys = [k for k in app.screen.query(FooterKey) if k.display]
    [palette] = [k for k in keys if k.has_class("-command-palette")]
    shown = [k for k in keys if k is not palette]
    for key in shown:
        assert key.region.right <= palette.region.x, (key.key_display, key.description)
    return [k.key_display for k in shown]


@sync
async def test_keys_that_do_not_fit_are_left_out_whole_and_help_stays():
    """At 80 columns the screen's last keys that do not fit before the palette's key are left
    out whole (Textual's footer cut the row through a label and lost ? 帮助); widened, they
    are shown again, and narrowed, left out again."""
    app = many_keys_app()
    async with app.run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        narrow = keys_fit(app)
        assert narrow[-1] == "?"  # the help, whole
        assert narrow[:-1] == list("abcdefghij")[: len(narrow) - 1]  # the first keys, in order
        assert len(narrow) < 11
        await pilot.resize_terminal(200, 6)
        await pilot.pause()
        await pilot.pause()
        assert keys_fit(app) == [*"abcdefghij", "?"]
        await pilot.resize_terminal(80, 6)
        await pilot.pause()
        await pilot.pause()
        assert keys_fit(app) == narrow


@sync
async def test_the_keys_a_screen_keeps_are_shown_before_its_others():
    """Too narrow for all: the kept keys (here the last two) are shown, in their places, and
    the screen's other keys fill the room left, in order; wide enough, all are shown."""
    app = many_keys_app(kept=frozenset({"act_i", "act_j"}))
    async with app.run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        narrow = keys_fit(app)
        assert narrow[-3:] == ["i", "j", "?"]
        others = narrow[:-3]
        assert others == list("abcdefgh")[: len(others)] and 0 < len(others) < 8
        await pilot.resize_terminal(200, 6)
        await pilot.pause()
        await pilot.pause()
        assert keys_fit(app) == [*"abcdefghij", "?"]
    # kept keys that do not all fit: the first of them, in order, and the help
    app = many_keys_app(kept=frozenset(f"act_{c}" for c in "abcdefghij"))
    async with app.run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        narrow = keys_fit(app)
        assert narrow[-1] == "?" and narrow[:-1] == list("abcdefghij")[: len(narrow) - 1]


@pytest.mark.parametrize("lang", ["zh", "en"])
@sync
async def test_every_sections_footer_fits_80_columns_with_its_help_key(day_store, lang):
    """The weekly report (zh: ? 帮助 lost a cell), the monthly analysis and the complaints
    (en) had more keys than 80 columns hold. The reports keep their edit, submit and export
    keys (they were the ones left out)."""
    async with running(day_store, (80, 24), lang=lang) as (app, pilot):
        for key in ("1", "3", "4", "5", "6", "m"):
            await pilot.press(key)
            await settle(app, pilot)
            shown = keys_fit(app)
            assert shown[-1] == "?", (key, type(app.screen).__name__)
            if key in "6m":
                assert {"e", "^s", "f8"} <= set(shown), (key, shown)


@sync
async def test_a_compact_groups_label_is_apart_from_the_next_key():
    """Textual's compact footer drew a group's label against the next key ("[] Tabs? Help")."""
    from textual.screen import Screen

    tabs = Binding.Group("Tabs", compact=True)

    class Grouped(Screen):
        BINDINGS: ClassVar = [
            Binding("left_square_bracket", "prev", "Prev", key_display="[", group=tabs),
            Binding("right_square_bracket", "next", "Next", key_display="]", group=tabs),
            Binding("h", "help", "Help"),
        ]

        def compose(self) -> ComposeResult:
            yield Static("keys")
            yield Footer()

    class Keys(App):
        def on_mount(self) -> None:
            self.push_screen(Grouped())

    app = Keys()
    async with app.run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        assert footer.compact
        label = footer.query_one("FooterLabel")
        [key] = [k for k in footer.query(FooterKey) if k.key == "h"]
        assert key.region.x >= label.region.right + 1, (label.region, key.region)
