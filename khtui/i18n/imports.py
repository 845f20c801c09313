"""Import, export, backup and check."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
