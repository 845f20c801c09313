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
shows is Textual's footer exactly.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer as _Footer
from textual.widgets._footer import FooterKey

COMPACT_BELOW = 100  # on a narrower terminal the keys are drawn in Textual's compact form


class Footer(_Footer):
    """Textual's footer, recomposed only when the keys it would show change; compact on a
    narrow terminal, so that an 80-column footer still shows its last keys (? help)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None  # what the keys were last made from
        self._narrowed = False  # made compact by a narrow terminal (not by its maker)

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        narrow = self.app.size.width < COMPACT_BELOW
        if narrow and not self.compact:
            self._narrowed, self.compact = True, True
        elif not narrow and self._narrowed:
            self._narrowed, self.compact = False, False

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
