"""Reusable widgets with no knowledge of screens."""
