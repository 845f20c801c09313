"""The business rules as pure functions and dataclasses: no I/O, no UI, no database."""
