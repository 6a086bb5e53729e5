"""Where AidDesk finds its resources and keeps its data."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "AidDesk"

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "db_schema.sql"


def resource(*parts: str) -> Path:
    """Path of a file shipped in ``resources/``."""
    return RESOURCES.joinpath(*parts)


def default_database() -> Path:
    """The database a user gets when no ``--db`` is given (in the user's data folder)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "aiddesk.sqlite"
