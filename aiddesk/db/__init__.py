"""SQLite storage: the connection, migrations and one repository per aggregate."""

from .connection import Database, DatabaseOpenError, open_database

__all__ = ["Database", "DatabaseOpenError", "open_database"]
