"""The installed Textual is one khtui supports: within pyproject.toml's bounds, and with every
piece of Textual the program relies on. Fails with one message saying what to do."""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def declared_textual() -> Requirement:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = [Requirement(r) for r in data["project"]["dependencies"]]
    return next(r for r in reqs if r.name == "textual")


def test_the_installed_textual_is_within_the_declared_bounds():
    req = declared_textual()
    installed = version("textual")
    assert any(s.operator == "<" for s in req.specifier), (
        "pyproject.toml must give textual an upper bound (a new major version changes APIs)"
    )
    assert req.specifier.contains(installed), (
        f"textual {installed} is installed, but khtui supports {req} (pyproject.toml). "
        "Install a supported one with `pip install -e .`; to move khtui to this Textual, "
        "raise the bound only once this file and the whole test suite pass on it."
    )


def test_the_textual_api_khtui_uses_is_there():
    """Everything below is used by khtui/widgets/keys.py, khtui/widgets/footer.py,
    khtui/widgets/resume.py, khtui/screens/help.py, khtui/app.py and the screens; a missing
    piece means this Textual is not one khtui supports."""
    from textual import events
    from textual.app import App
    from textual.binding import ActiveBinding, Binding
    from textual.css.stylesheet import Stylesheet
    from textual.dom import DOMNode
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, TextArea

    try:
        from textual.widgets import _footer as footer
    except ImportError:
        footer = None

    made = App()
    missing = []
    checks = {
        "Binding(group=Binding.Group(...))": hasattr(Binding, "Group")
        and "group" in inspect.signature(Binding).parameters,
        "ActiveBinding.node / .binding": {"node", "binding"} <= set(ActiveBinding._fields),
        "Screen.active_bindings": isinstance(
            inspect.getattr_static(Screen, "active_bindings"), property
        ),
        "DOMNode.check_action": callable(getattr(DOMNode, "check_action", None)),
        "DOMNode.refresh_bindings": callable(getattr(DOMNode, "refresh_bindings", None)),
        "App.get_css_variables": callable(getattr(App, "get_css_variables", None)),
        # khtui.app.KeptStylesheet: the app's stylesheet, made with the theme's variables
        "App.theme_variables / App.stylesheet": isinstance(made.stylesheet, Stylesheet)
        and made.theme_variables == made.get_css_variables(),
        "Stylesheet.set_variables(variables) / reparse() / parse()": list(
            inspect.signature(Stylesheet.set_variables).parameters
        )
        == ["self", "variables"]
        and list(inspect.signature(Stylesheet.reparse).parameters) == ["self"]
        and list(inspect.signature(Stylesheet.parse).parameters) == ["self"],
        "App.screen_stack": isinstance(inspect.getattr_static(App, "screen_stack"), property),
        "DataTable(fixed_columns=...)": "fixed_columns" in inspect.signature(DataTable).parameters,
        "TextArea.read_only": hasattr(TextArea, "read_only"),
        "Screen.is_current": isinstance(inspect.getattr_static(Screen, "is_current"), property),
        "events.ScreenResume(refresh_styles=...)": "refresh_styles"
        in inspect.signature(events.ScreenResume).parameters,
        "Stylesheet.has_source / read / reparse / update": all(
            callable(getattr(Stylesheet, name, None))
            for name in ("has_source", "read", "reparse", "update")
        ),
        # private names: Textual has no public hook for an exception in a handler, and its
        # footer's keys and readiness (khtui/widgets/footer.py) have no public names
        "App._handle_exception(error)": list(inspect.signature(App._handle_exception).parameters)
        == ["self", "error"],
        "textual.widgets._footer.FooterKey.compact": footer is not None
        and hasattr(footer.FooterKey, "compact"),
        # the footer fits its keys by each key's binding (the app's own stay)
        "textual.widgets._footer.FooterKey(key, ...)": footer is not None
        and "key" in inspect.signature(footer.FooterKey).parameters,
        "Footer._bindings_ready": hasattr(Footer, "_bindings_ready"),
        # a screen's first resize is taken before Textual's own handler (khtui/widgets/resume.py)
        "Screen._on_resize": callable(Screen.__dict__.get("_on_resize")),
    }
    missing = [name for name, ok in checks.items() if not ok]
    assert not missing, (
        f"textual {version('textual')} lacks what khtui uses: {', '.join(missing)}. "
        f"Install a supported Textual ({declared_textual()}) with `pip install -e .`."
    )
