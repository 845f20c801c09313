"""The formula-injection rule for CSV cells (khtui.data.cells)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khtui.data.cells import neutralise, restore


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x.example","点我")', '\'=HYPERLINK("http://x.example","点我")'),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=already", "''=already"),
        ("''+x", "'''+x"),
        ("普通文字", "普通文字"),
        ("'quoted", "'quoted"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_gets_one_quote(value, written):
    assert neutralise(value) == written
    assert restore(written) == value


@pytest.mark.parametrize("value", [-5, 3.5, 0, None, True])
def test_numbers_and_empties_are_left_alone(value):
    assert neutralise(value) is value


@given(st.text())
def test_round_trip_is_exact(value):
    assert restore(neutralise(value)) == value
    out = neutralise(value)
    assert out[:1] not in ("=", "+", "-", "@", "\t", "\r")
