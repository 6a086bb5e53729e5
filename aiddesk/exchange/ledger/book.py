"""A whole old ledger, sheet by sheet: layout, columns, records, then the exchange format's rows (the pipeline)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date

from ...db import column_mappings, ledger_matches
from ...db.households import next_archive_no
from .. import format as fmt
from ..validate import Issue, _column_letter
from . import columns as cols
from . import layout as lay
from .build import Archive, Translated, _id_key, translate
from .reading import SheetRecords, SheetSummary, read_sheet

MAPPING_KIND = "旧台账"  # column_mappings kind: header → field, as the office chose for its books
ALL_SHEETS = "*"       # a mapping for every sheet of the book (--mapping {"*": {…}})


@dataclass
class LedgerBook:
    translated: Translated
    summaries: list[SheetSummary] = field(default_factory=list)
    layouts: list[tuple[lay.SheetLayout, cols.ColumnMap]] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def read_book(conn: sqlite3.Connection, sheets: dict[str, list[list[object]]], *, book_name: str, unit: str,
              mapping: dict[str, dict[str, str]] | None = None, header_rows: dict[str, int] | None = None,
              given_year: int | None = None, today: date) -> LedgerBook:
    """Read every sheet of a book (``sheets``: name → raw rows) into the exchange format's rows for ``unit``.

    ``mapping``: {sheet name or "*": {book header: field, or "" for 不导入}} as the user chose; ``header_rows``:
    {sheet name: the header's row} where the user pointed at another row than the one found.
    """
    exact = any(sheet in fmt.BY_NAME for sheet in (mapping or {}))  # the wizard's step: what it lists, no more
    mapping = ledger_mapping(mapping or {})
    remembered = column_mappings.remembered(conn, MAPPING_KIND)
    unrecognised: list[tuple[lay.SheetLayout, cols.ColumnMap]] = []
    records: list[SheetRecords] = []
    errors: list[Issue] = []
    warnings: list[Issue] = []
    layouts = []
    for name, rows in sheets.items():
        layout = lay.detect(name, rows, is_header_word=cols.is_header_word,
                            header_at=(header_rows or {}).get(name))
        if layout is None:
            if any(v not in (None, "") for row in rows for v in row):
                warnings.append(Issue(name, None, "", "", f"工作表“{name}”中找不到表头（如 姓名、身份证号 …），"
                                                          "不像台账，未导入"))
            continue
        chosen = {**mapping.get(ALL_SHEETS, {}), **mapping.get(name, {})}
        if exact:  # a column the user left unchosen is 不导入, whatever its name
            chosen = {h: chosen.get(h, "") for h in layout.headers if h}
        colmap = cols.map_columns(layout.headers, chosen=chosen or None, remembered=remembered)
        layouts.append((layout, colmap))
        if colmap.kind == cols.NONE:
            unrecognised.append((layout, colmap))
            continue
        header = layout.header_rows[-1]
        for i, h in colmap.unmapped:
            warnings.append(Issue(name, header, h, h, f"“{h}”列没有对应的项目，未导入"))
        for target, at in colmap.twins:
            which = "和".join(f"{_column_letter(j)}列“{layout.headers[j]}”" for j in at)
            errors.append(Issue(name, header, target, layout.headers[at[0]],
                                f"{which}都是“{target}”，无法确定导入哪一列；请在列对应中选定一列，"
                                "或删除、改名多余的一列后重新导入"))
        rec = read_sheet(layout, colmap)
        errors.extend(rec.errors)
        warnings.extend(rec.warnings)
        records.append(rec)
    for layout, colmap in unrecognised:
        lacking = [f for f in ("姓名", "身份证号") if f not in colmap.fields]
        if records:  # the book's ledgers are elsewhere: this sheet is a note, a list, a chart's data
            warnings.append(Issue(layout.name, None, "", "", f"工作表“{layout.name}”中没有认出"
                                  f"{'、'.join(lacking)}列，不像台账，未导入；如果它是台账，请在列对应中指定"))
        else:  # nothing recognised at all: the columns need mapping (the wizard's next step)
            for f in lacking:
                errors.append(Issue(layout.name, layout.header_rows[-1], f, "", f"缺少必填列“{f}”"))
    numbers = sorted({_id_key(p.values.get("身份证号")) for r in records for p in r.people} - {""})
    found = ledger_matches.archives_of(conn, numbers)
    stored = ledger_matches.household_rows(conn, [m.household_id for m in found.values() if m.head],
                                           fmt.HOUSEHOLDS.headers)
    archives = {n: Archive(m.archive_no, m.head, m.name, m.status, *stored.get(m.household_id, (None, "")))
                for n, m in found.items()}
    own_numbers = [str(p.values.get("档案编号")).strip() for r in records for p in r.people
                   if p.values.get("档案编号") not in (None, "")]
    taken = ledger_matches.archive_numbers_taken(conn, own_numbers)
    translated = translate(records, book_name=book_name, unit=unit, archives=archives,
                           numbers=lambda year: next_archive_no(conn, unit, year),
                           taken=taken, given_year=given_year, today=today)
    errors.extend(translated.errors)
    warnings.extend(translated.warnings)
    return LedgerBook(translated, [r.summary for r in records], layouts, errors, warnings)


def ledger_mapping(mapping: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The user's mapping as {sheet or "*": {book header: field}}. The import wizard's column step still gives
    {format sheet: {format header: book header}} (its fields are the format's headers, which are the ledger's
    fields too): turned around, for every sheet."""
    out: dict[str, dict[str, str]] = {}
    for sheet, chosen in mapping.items():
        if sheet in fmt.BY_NAME:
            out.setdefault(ALL_SHEETS, {}).update({header: f for f, header in chosen.items() if header})
        else:
            out.setdefault(sheet, {}).update(chosen)
    return out


def remap(issue: Issue, origins: dict[str, list]) -> Issue:
    """An issue the checks found on a translated row, said of the book's own sheet, row and header."""
    rows = origins.get(issue.sheet)
    if rows is None or issue.row is None or not 2 <= issue.row < len(rows) + 2:
        return issue
    origin = rows[issue.row - 2]  # the translated sheet's header is its row 1
    return Issue(origin.sheet, origin.row, origin.headers.get(issue.column, issue.column), issue.value,
                 issue.message)
