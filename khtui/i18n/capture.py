"""Information capture, complaints and brand figures."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
