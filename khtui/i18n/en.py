"""English (``--lang en``)."""

MESSAGES: dict[str, str] = {
    "app.title": "khtui account manager's workbench",
    "app.demo": "DEMO",
    "app.db": "database",
    "error.prefix": "Error",
    "error.no_db": "no database at {path}. Create demo data with `khtui demo`, import retailers with `khtui import retailers FILE`, or point --db at an existing database",
    "error.unknown_code": "no retailer with code {code}; try `khtui search {code}`",
    "error.bad_date": "not a date: {value} (use YYYY-MM-DD, e.g. 2026-11-23)",
    "error.bad_month": "not a month: {value} (use YYYY-MM, e.g. 2026-12)",
    "cli.recomputed": "recomputed tier, category, level and value of {n} retailers (as of {as_of})",
    "cli.no_retailers": "no retailers match",
    "field.tier": "Tier",
    "field.monthly_avg_jian": "Avg/month (cases)",
    "field.category": "Category",
    "field.level": "Level",
    "field.value": "Value",
    "value.core": "core",
    "value.general": "general",
    "value.problem": "problem",
    "why.title": "How it was calculated",
    "calendar.unknown_year": "{year}: no official holiday data; using weekends and the rules file's calendar overrides",
}
