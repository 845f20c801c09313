"""App shell, today screen, lookup and profile."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
