"""Rules every screen keeps: its header names it (and says 演示数据 on the demo), no screen takes
a section key for itself, screens open on their list unless typing comes first."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from textual.screen import Screen
from textual.widgets import DataTable, Header, Input

import khtui.screens
from khtui.app import SECTIONS
from khtui.screens.retailer import ProfileScreen
from khtui.widgets.keys import SECTION_KEYS, Keyed, section_keys_taken
from tests.screens.conftest import CQ, seed
from tests.screens.pilot import running, settle, sync

NAMES = {
    "today": "今日拜访",
    "retailer": "客户查询",
    "capture": "信息采集",
    "complaints": "投诉管理",
    "brands": "品牌培育",
    "report": "周报 2026-W47",
    "import": "导入",
}
TYPING_FIRST = {"retailer": Input, "import": Input}  # the others open on a list


def test_no_screen_declares_a_section_key():
    for info in pkgutil.iter_modules(khtui.screens.__path__):
        module = import_module(f"khtui.screens.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Keyed) and issubclass(obj, Screen):
                assert section_keys_taken(obj.KEYS) == set(), obj.__name__


@sync
async def test_every_header_names_its_screen_and_the_demo_and_no_section_key_is_shadowed(store):
    seed(store)
    store.set_meta("am_name", "张经理")
    store.set_meta("is_demo", "1")
    async with running(store, (120, 40)) as (app, pilot):
        screens = []
        for mode, _module, _cls, _digit, fkey in SECTIONS:
            await pilot.press(fkey)
            await settle(app, pilot)
            screens.append((mode, app.screen))
        await pilot.press("f1")
        await settle(app, pilot)
        await app.push_screen(ProfileScreen(CQ))
        await settle(app, pilot)
        screens.append(("profile", app.screen))

        for mode, screen in screens:
            header = screen.query_one(Header)
            assert header.screen_title == "张经理 · 2026-11-23 周一 · 演示数据", mode
            expected = NAMES.get(mode, "客户档案 重庆路烟酒店")
            assert header.screen_sub_title.startswith(expected), (mode, header.screen_sub_title)
            # the keys that switch sections are the app's on every screen
            for key, active in screen.active_bindings.items():
                if key in SECTION_KEYS:
                    assert active.node is app, (mode, key, active.binding.action)
            if mode in TYPING_FIRST:
                assert isinstance(screen.focused, TYPING_FIRST[mode]), mode
            elif mode != "today":
                assert not isinstance(screen.focused, Input), mode
        assert isinstance(screens[0][1].focused, DataTable)
