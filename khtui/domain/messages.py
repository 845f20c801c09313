"""Messages as data: a problem is a message key with parameters, translated where it is shown.

A parameter that is itself a word of the UI (a plan's status, a visit's status) is passed as a
:class:`Key`, so the screen or the command line translates it together with the message.
"""

from __future__ import annotations


class Key(str):
    """A message key given as a parameter of another message (translated where shown)."""


__all__ = ["Key"]
