"""The app as the screens and widgets see it: :class:`Workbench`, the base of the program's
App (``khtui.app.KhtuiApp``), which the layers below the app may name.

A screen or widget that uses the store or the app's own operations declares
``app = getters.app(Workbench)`` (Textual's public way to type ``self.app``; a screen may derive
from :class:`WorkbenchScreen` instead), so ``self.app.store`` is a
:class:`~khtui.data.store.Store` to a type checker and a wrong app fails at once."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, cast, runtime_checkable

from textual import getters
from textual.app import App
from textual.screen import Screen

from khtui.widgets.jobs import JobHost
from khtui.widgets.speech import Speaks, t

if TYPE_CHECKING:
    from khtui.data.store import Store


class Workbench(Speaks, JobHost, App[object]):
    """The store, the day, the language (:class:`~khtui.widgets.speech.Speaks`) and the
    operations the app offers every screen."""

    store: Store
    today: Callable[[], dt.date]
    # whether records are made here (an AM's own database); a team database receives them
    # only by merging, so the keys that make them are not offered there
    MAKES_RECORDS: ClassVar[bool] = True

    def report_error(self, error: Exception) -> None:
        """An error of a worker or a handler as a notification with the next step."""
        raise NotImplementedError

    def open_profile(self, code: str) -> None:
        """Open the retailer's profile over the current screen."""
        raise NotImplementedError

    def refresh_forecasts(self) -> None:
        """Compute the forecasts again if the order data changed (after an import)."""

    def hold_section(self, mode: str, screen: Screen) -> None:
        """``screen`` is where ``mode``'s key goes until :meth:`release_section`."""

    def release_section(self, mode: str, screen: Screen) -> None:
        """``mode``'s key goes to its own section again."""


class WorkbenchScreen(Screen):
    """A screen of the workbench: ``self.app`` typed as the :class:`Workbench`. The actions it
    names in ``OWN_RECORDS`` make or change an AM's own records: where the app makes none (a
    team database) they are refused, and their keys are neither shown nor listed in the help."""

    app = getters.app(Workbench)
    OWN_RECORDS: ClassVar[frozenset[str]] = frozenset()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.OWN_RECORDS and not self.app.MAKES_RECORDS:
            return False
        return super().check_action(action, parameters)


_A = TypeVar("_A", bound=Callable[..., Any])


def own_record_action(action: _A) -> _A:
    """Mark a screen's action that makes or changes an AM's own records where its key stays
    offered on a team database (the today list: the day's keys are an AM's day): where the
    app makes no records it is refused at once, in the words the store refuses such a record
    in (``team.own_only``), before a visit is judged, a plan read or a form opened."""

    @functools.wraps(action)
    def guarded(self: Screen, *args: Any, **kwargs: Any) -> Any:
        app = cast(Workbench, self.app)
        if not app.MAKES_RECORDS:
            self.notify(t("team.own_only", path=app.store.path), severity="warning", timeout=8)
            return None
        return action(self, *args, **kwargs)

    return cast(_A, guarded)


@runtime_checkable
class Reloads(Protocol):
    """A screen that reads its data again on request (after the day's housekeeping)."""

    def reload(self) -> None: ...


__all__ = ["Reloads", "Workbench", "WorkbenchScreen", "own_record_action"]
