"""Where the data lives: ``--db``, else ``$KHTUI_DB``, else the user data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "khtui"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "khtui.db"


def demo_db_path() -> Path:
    """The demo database: apart from the real one, never confused with it."""
    return data_dir() / "demo" / "khtui-demo.db"


def resolve_db_path(option: str | os.PathLike | None) -> Path:
    if option:
        return Path(option).expanduser()
    env = os.environ.get("KHTUI_DB")
    if env:
        return Path(env).expanduser()
    return default_db_path()


def user_rules_path() -> Path | None:
    path = config_dir() / "rules.toml"
    return path if path.exists() else None


def backup_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"
