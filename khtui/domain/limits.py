"""The largest numbers the program stores: technical limits of the database and of floating
point, not business rules. A value past them is refused as too large, never stored wrong."""

from __future__ import annotations

# The largest whole number SQLite's INTEGER holds (64 bits, signed).
INTEGER_MAX = 2**63 - 1
# The largest number kept exactly as a floating-point figure (quantities, prices, areas):
# past it whole numbers are rounded, and 1e400 is infinity; sums and products of figures
# this large stay finite.
NUMBER_MAX = 2.0**53

__all__ = ["INTEGER_MAX", "NUMBER_MAX"]
