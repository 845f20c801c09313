"""Weekly report, monthly market analysis and plan documents."""

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
