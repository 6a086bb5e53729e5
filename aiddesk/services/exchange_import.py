"""Importing an exchange workbook or an old Excel ledger: check it, then write it all or nothing.

The command line and the GUI import wizard both call this service::

    service = ExchangeImportService(db, actor)
    report = service.check(path)          # nothing written
    if report.ok:
        service.apply(report)             # one transaction, audited

or ``service.import_file(path, dry_run=False)`` for both at once. ``apply`` runs the checks that depend on the
database again inside its writing transaction (another import, or a user at another PC, may have written since
the check): what they find then refuses the import (:class:`Refused`, its issues added to the report's errors).
What an import removes is in ``report.checked.removal``, from the check, then as the import found it.

A workbook with an opening password needs ``password=``; without it :class:`PasswordRequired` is raised (the
wizard then asks), with a wrong one :class:`WrongPassword`. The password is used to open the file and then
forgotten: never stored nor logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import UserError
from ..db import column_mappings
from ..db.audit import Actor
from ..db.exchange_imports import ImportedYear, last_import
from ..exchange import importer
from ..exchange.sheet_reader import PasswordRequired, Unreadable, WrongPassword
from ..exchange.validate import LEGACY_KIND, Checked, Issue, Refused, check, recheck


@dataclass
class ImportReport:
    checked: Checked
    imported: dict[str, int] = field(default_factory=dict)
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.checked.ok

    @property
    def errors(self) -> list[Issue]:
        return self.checked.errors

    @property
    def warnings(self) -> list[Issue]:
        return self.checked.warnings

    def as_json(self) -> dict:
        """The shape of ``aiddesk import --json`` (EXCHANGE.md), with ``removed`` ({sheet: {count, keys}}) and
        ``removed_with_them`` ({what: count}) where the import takes rows away."""
        out = {"imported": dict(self.imported),
               "errors": [i.as_dict() for i in self.errors],
               "warnings": [i.as_dict() for i in self.warnings]}
        removal = self.checked.removal
        if removal.keys and self.ok:
            out["removed"] = removal.as_dict()
        if removal.with_them and self.ok:
            out["removed_with_them"] = dict(removal.with_them)
        if self.checked.ledger:
            out["ledger"] = {"sheets": [summary.as_dict() for summary in self.checked.ledger]}
        return out


class ExchangeImportService:
    def __init__(self, db, actor: Actor):
        self.db = db
        self.actor = actor

    def check(self, path: str | Path, *, mapping: dict[str, dict[str, str]] | None = None,
              progress=None, password: str | None = None, database: bool = True, year: int | None = None,
              header_rows: dict[str, int] | None = None, unit: tuple[str, str] | None = None) -> ImportReport:
        """Read and check; raises :class:`Unreadable` when the file is no workbook. Writes nothing.

        ``progress(done, total)`` returning ``False`` stops the check (``Cancelled``). ``password`` opens an
        encrypted workbook (:class:`PasswordRequired` / :class:`WrongPassword` without or with a wrong one).
        ``database=False``: without the checks against the database, which :meth:`apply` runs in its transaction.
        Old ledgers: ``year`` the book is of where nothing in it says, ``header_rows`` {sheet: row} the user pointed
        at, ``unit`` (代码, 名称) the own unit a new database gets (EXCHANGE.md: --unit, --unit-name)."""
        checked = check(self.db.conn, Path(path), mapping=mapping, progress=progress, password=password,
                        database=database, year=year, header_rows=header_rows, unit=unit)
        return ImportReport(checked, mapping=dict(mapping or {}))

    def previous(self, report: ImportReport) -> ImportedYear | None:
        """The last import of the workbook's unit and year here, if any (what this one would replace)."""
        checked = report.checked
        if checked.year is None:
            return None
        return last_import(self.db.conn, checked.unit_code or checked.own_unit, checked.year)

    def apply(self, report: ImportReport, *, progress=None, backup: bool = True) -> dict[str, int]:
        """Write a checked workbook in one transaction; refused when it has errors.

        The checks that depend on the database run again first, inside the transaction (under SQLite's write
        lock, so nothing can change between them and the writing): what they find refuses the import with
        :class:`Refused`, whose issues are added to ``report``'s errors. ``backup=False`` only within an
        :class:`ImportRun`, which made the 导入前 backup before its first file."""
        self.actor.require("管理员", "经办人")
        if not report.ok:
            raise UserError(f"交换表有{len(report.errors)}处错误，没有导入任何内容；请改正后重新导入")
        if backup:
            # A backup first, outside the import's transaction: an import that goes wrong can then be undone whole.
            from .backups import before_import

            before_import(self.db)
        try:
            with self.db.transaction() as conn:
                found = recheck(conn, report.checked)
                if found:
                    raise Refused(found)
                counts = importer.apply(conn, report.checked, self.actor, progress=progress)
                if report.checked.legacy and report.mapping:  # with the import, or not at all
                    remember_mapping(conn, report)
        except Refused as refused:  # the check again, or the importer while writing: each issue says where
            report.checked.errors.extend(refused.issues)
            raise
        report.imported = counts
        report.written = True
        return counts

    def import_file(self, path: str | Path, *, dry_run: bool = False,
                    mapping: dict[str, dict[str, str]] | None = None, password: str | None = None,
                    progress=None, backup: bool = True, year: int | None = None,
                    unit: tuple[str, str] | None = None, header_rows: dict[str, int] | None = None) -> ImportReport:
        """Check and, if the file has no error, write it (not with ``dry_run``); the report says which.

        ``progress(done, total)`` is called while reading and while writing; returning ``False`` stops
        (``Cancelled``; nothing of this file is written). ``backup`` as for :meth:`apply`."""
        # Importing at once: the checks against the database run inside the writing transaction (apply), once.
        report = self.check(path, mapping=mapping, password=password, database=dry_run, progress=progress,
                            year=year, unit=unit, header_rows=header_rows)
        if report.ok:
            if dry_run:
                report.imported = report.checked.counts()
            else:
                try:
                    self.apply(report, backup=backup, progress=None if progress is None else
                               (lambda _sheet, done, total: progress(done, total)))
                except Refused:
                    pass  # its issues are the report's errors now
                except UserError as err:  # about the whole file: the database busy, read-only, full …
                    report.checked.errors.append(Issue("", None, "", report.checked.path.name, err.message))
        return report


def remember_mapping(conn, report: ImportReport) -> None:
    """The columns the user chose for an old ledger, remembered for the office's next books (in the import's
    transaction): a book read as offices keep them by header → field, one shaped as ours per format sheet."""
    if report.checked.origins:
        from ..exchange.ledger.book import MAPPING_KIND, ledger_mapping

        for chosen in ledger_mapping(report.mapping).values():
            column_mappings.remember(conn, MAPPING_KIND, {f: h for h, f in chosen.items() if f}, list(chosen))
        return
    for sheet, chosen in report.mapping.items():
        column_mappings.remember(conn, LEGACY_KIND + sheet, chosen, list(chosen.values()))


class ImportRun:
    """Several workbooks imported one after another — a centre taking in its units' years — each all or nothing in
    a transaction of its own, after one 导入前 backup for the whole run.

    A backup before each file would copy and compress the growing database again and again (44 units' books into
    100 000 households: 128 s of backups against 93 s of importing, benchmarks/bench_consolidation.py). The run's
    backup is the way back from any of its imports; the books themselves are at hand to import again.
    """

    def __init__(self, service: ExchangeImportService):
        self.service = service
        self.backed_up = False

    def import_file(self, path: str | Path, *, dry_run: bool = False, password: str | None = None,
                    progress=None, **ledger) -> ImportReport:
        """As :meth:`ExchangeImportService.import_file`; the backup is made before the run's first write only.
        ``ledger``: ``mapping``, ``year``, ``unit``, ``header_rows`` for old ledgers, as there."""
        report = self.service.import_file(path, dry_run=dry_run, password=password, progress=progress,
                                          backup=not self.backed_up, **ledger)
        # A file refused after its backup (the database changed meanwhile) leaves the next one to make it again.
        self.backed_up = self.backed_up or report.written
        return report


__all__ = ["ExchangeImportService", "ImportReport", "ImportRun", "ImportedYear", "PasswordRequired", "Refused", "Unreadable",
           "WrongPassword"]
