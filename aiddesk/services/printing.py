"""Gathering records into printed forms, for the GUI and the CLI alike."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

from ..db import Database
from ..db import attachments as attachment_repo
from ..db import households as household_repo
from ..db.units import get_unit, own_unit
from ..reports.archive_form import ArchiveFormItem, write_archive_forms


def print_archive_forms(db: Database, household_ids: list[int], out: Path, *,
                        progress: Callable[[int], bool] | None = None, today: date | None = None) -> int:
    """Write the 困难职工档案登记表 of the given households into one PDF; returns the count."""
    conn = db.conn
    office = own_unit(conn)
    unit_names: dict[str, str] = {}

    def items():
        for household_id in household_ids:
            h = household_repo.get_household(conn, household_id)
            if h is None:
                continue
            if h.unit_code not in unit_names:
                unit = get_unit(conn, h.unit_code)
                unit_names[h.unit_code] = unit.name if unit else h.unit_code
            yield ArchiveFormItem(h, unit_names[h.unit_code],
                                  tuple(attachment_repo.for_household(conn, household_id)))

    return write_archive_forms(out, items(), office_name=office.name if office else "",
                               printed_on=today or date.today(), progress=progress)
