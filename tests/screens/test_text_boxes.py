"""The program's text boxes apply a burst of keys in the order they were pressed: a Backspace
pressed before a character deletes before it is typed (one key after another reaches the box
before the previous one has gone up to the app)."""

from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual.app import App, ComposeResult

from khtui.widgets.text_boxes import Input, TextArea
from tests.screens.plain_widgets import plain_imports


class Boxes(App):
    def __init__(self, make) -> None:
        super().__init__()
        self.make = make

    def compose(self) -> ComposeResult:
        self.box = self.make()
        yield self.box


def key(name: str) -> events.Key:
    return events.Key(name, name if len(name) == 1 else None)


async def burst(make, keys: list[str]) -> str:
    """Type ``keys`` all at once (posted without waiting) into the box ``make`` makes, and
    what it holds then."""
    app = Boxes(make)
    async with app.run_test() as pilot:
        box = app.box
        if isinstance(box, TextArea):
            box.cursor_location = (0, len(box.text))
        box.focus()
        await pilot.pause()
        for name in keys:
            app.post_message(key(name))
        await pilot.pause()
        await pilot.pause()
        return box.value if isinstance(box, Input) else box.text


@pytest.mark.parametrize("make", [lambda: Input(value="22"), lambda: TextArea("22")])
def test_backspaces_before_a_character_delete_before_it_is_typed(make):
    keys = ["backspace", "backspace", "5"]
    assert asyncio.run(burst(make, keys)) == "5"


def test_the_cursor_keys_move_before_the_next_character_lands():
    keys = ["a", "b", "left", "left", "c", "end", "d"]
    assert asyncio.run(burst(Input, keys)) == "cabd"


def test_every_text_box_of_the_program_is_one_of_these():
    """No module makes a text box from Textual's own Input or TextArea (they reorder keys)."""
    assert plain_imports({"Input", "TextArea"}, replaced_in="text_boxes.py") == []
