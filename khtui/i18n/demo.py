"""Demo data builder."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
