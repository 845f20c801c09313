"""Monthly visit plan and today's list (CLI and domain labels)."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
