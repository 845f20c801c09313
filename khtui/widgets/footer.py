"""The footer of the keys: Textual's ``Footer``, made again only when the keys it shows change.

Textual's footer remakes every key widget whenever the screen's bindings *may* have changed:
on the screen's bindings signal, which is published when the focus moves, when the screen
stack changes and once more after a focus change; a screen opening publishes it three times
before its first frame, with the same keys each time. Each remake mounts and styles every
key, about as much work as the rest of a small screen. This footer remakes its keys only
when what it would show differs from what it shows (the keys, their labels, whether each is
enabled, their tooltips), and makes each key already in the footer's compact or normal form,
so that the key does not restyle itself twice on mounting (once for Textual's compact default,
once for the footer's form). It also makes its keys with the screen, where Textual's footer
makes them a frame after the screen's first, so a screen's first frame shows its keys. What it
shows is Textual's footer exactly, but for keys that do not fit: Textual's footer cuts the row
of keys where the command palette's key begins, through a label (at 80 columns a screen of many
keys, or of long English labels, lost the app's last key, ``? 帮助``, mid-label: wide CJK
labels take two cells a character). This one leaves out, whole, the screen's last keys that do
not fit, so the app's own keys (``?``: the help lists every key of the screen) always show, and
the keys of the screen's main work (``Key(keep=True)``) before its others.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Footer as _Footer
from textual.widgets._footer import FooterKey

COMPACT_BELOW = 100  # on a narrower terminal the keys are drawn in Textual's compact form

# What the footer leaves out first when the keys do not all fit: the screen's other keys, then
# the keys it keeps (``Key(keep=True)``: its main work, say a report's submit and export);
# never the app's own keys nor what is not a key.
ALWAYS, KEPT, OTHER = range(3)


def _rank(widget: Widget, bindings: dict[str, Any], app: Any) -> int:
    """Which of ALWAYS, KEPT and OTHER the footer's ``widget`` is (``bindings``: the screen's
    active bindings by key)."""
    if not isinstance(widget, FooterKey):
        return ALWAYS  # a group's label
    active = bindings.get(widget.key)
    if active is None:
        return OTHER
    if active.node is app:
        return ALWAYS
    return KEPT if active.binding.action in getattr(active.node, "FOOTER_KEPT", ()) else OTHER


def _row_width(row: list[tuple[Widget, int, int, int]]) -> int:
    """The cells a row of the footer's items takes, each one's width and the margin after it
    but the last's."""
    return sum(size + margin for _w, size, margin, _r in row) - (row[-1][2] if row else 0)


class Footer(_Footer):
    """Textual's footer, recomposed only when the keys it would show change; compact on a
    narrow terminal, so that an 80-column footer still shows its last keys (? help)."""

    # Textual's compact footer draws a group's label with no margin, and a compact key has no
    # padding before it: the label ran into the next key ("a Add  [] Tabs? Help"). The cell
    # it puts before the group's keys goes after its label ("a Add [] Tabs ? Help").
    DEFAULT_CSS = """
    Footer.-compact KeyGroup.-compact {
        padding-left: 0;
    }
    Footer.-compact FooterLabel {
        margin: 0 1 0 0;
    }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None  # what the keys were last made from
        self._narrowed = False  # made compact by a narrow terminal (not by its maker)

    def on_mount(self) -> None:
        self._fit()
        self._fit_keys()

    def on_resize(self) -> None:
        if self._fit():  # the keys restyle in the other form before they can be measured
            self.call_after_refresh(self._fit_keys)
        self._fit_keys()

    def _fit(self) -> bool:
        """Compact on a narrow terminal; whether the form changed."""
        narrow = self.app.size.width < COMPACT_BELOW
        if narrow and not self.compact:
            self._narrowed, self.compact = True, True
        elif not narrow and self._narrowed:
            self._narrowed, self.compact = False, False
        else:
            return False
        return True

    def _fit_keys(self) -> None:
        """Each key shown only if it fits whole before the command palette's key: the app's
        own keys always, then the keys the screen keeps, then its others, each rank in order
        until one does not fit (a key left out is still in the help)."""
        if not self.is_attached:
            return  # removed with its screen meanwhile (a fit asked for after a refresh)
        width = self.size.width
        if not width and self.parent is self.screen:  # not laid out yet: the screen's width
            width = self.app.size.width
        if not width:
            return  # in a box not laid out yet: fitted when it is (on_resize)
        viewport = self.app.size

        def cells(widget: Widget) -> tuple[int, int]:
            """The widget's width and the margin after it, in cells."""
            styles = widget.styles
            inner = widget.get_content_width(Size(width, 1), viewport)
            return inner + styles.gutter.width + styles.margin.left, styles.margin.right

        bindings = self.screen.active_bindings
        items: list[tuple[Widget, int, int, int]] = []  # widget, width, margin, rank
        end = width
        for widget in self.children:
            if isinstance(widget, FooterKey) and widget.has_class("-command-palette"):
                size, margin = cells(widget)
                end = width - size - margin  # docked at the right
                continue
            items.append((widget, *cells(widget), _rank(widget, bindings, self.app)))
        shown = {i for i, item in enumerate(items) if item[3] == ALWAYS}
        for rank in (KEPT, OTHER):
            for i, (_widget, _size, _margin, item_rank) in enumerate(items):
                if item_rank != rank:
                    continue
                if _row_width([items[j] for j in sorted({*shown, i})]) > end:
                    break  # neither this key nor the later ones of its rank
                shown.add(i)
        for i, (widget, *_rest) in enumerate(items):
            widget.display = i in shown

    def _keys_shown(self) -> tuple[Any, ...]:
        """What :meth:`compose` makes its keys from (the shown bindings in order, each with
        its key's display, whether it is enabled and its tooltip; the command palette's), and
        how the footer draws them."""
        if not self._bindings_ready:
            return ()
        app = self.app
        bindings = self.screen.active_bindings
        palette = bindings.get(app.COMMAND_PALETTE_BINDING)
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (binding, app.get_key_display(binding), enabled, tooltip)
                for (_node, binding, enabled, tooltip) in bindings.values()
                if binding.show
            ),
            None if palette is None else (palette.binding, palette.enabled, palette.tooltip),
        )

    async def recompose(self) -> None:
        if self.is_attached:
            shown = self._keys_shown()
            if shown == self._shown:
                return  # the same keys: nothing to make again
            self._shown = shown
        await super().recompose()
        self._fit_keys()  # the new keys are styled, not laid out yet: fitted before drawn

    def compose(self) -> ComposeResult:
        if not self._bindings_ready and self.is_attached:
            # Textual's footer waits for the screen's first bindings signal and makes its keys
            # a frame later; the screen's keys are known as it is made, so the first frame
            # shows them (a later change, say of the focus, remakes them as before)
            self.set_reactive(_Footer._bindings_ready, True)
            self._shown = self._keys_shown()
        for widget in super().compose():  # keys in a group pass through here too
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                # bound to the footer's form (compact or not): made in it, so that mounting
                # does not restyle it twice (Textual's default form, then the footer's)
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
