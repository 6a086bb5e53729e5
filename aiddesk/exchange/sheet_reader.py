"""Reading a workbook's sheets for the import check: python-calamine parses the next sheets on a worker thread.

calamine parses a sheet's XML in Rust with Python's lock released, so while one sheet is being checked
(pure Python) the next ones are parsed on the second core: on the 20 000-household workbook that hides
most of the ~3.7 s of parsing. Only the parsed sheets' compact Rust form waits; a sheet becomes Python
objects (``to_python``) when it is checked, so one sheet at a time sits in memory as Python objects, and
the worker stops reading ahead while the sheets it holds reach ``AHEAD_CELLS``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from ..core.errors import UserError

# About 60 MB of parsed cells: enough to have the big 帮扶明细 ready while the archive and members are checked.
AHEAD_CELLS = 300000

# name, Excel row number of the first row, and a function that reads the rows (each sheet is read only when
# it is checked: a big workbook never sits in memory as Python objects all at once).
RawSheet = tuple[str, int, Callable[[], list[list[object]]]]


class Unreadable(UserError):
    """The file cannot be read as a workbook at all (exit code 2)."""


class PasswordRequired(Unreadable):
    """The workbook has an opening password and none was given: the wizard asks for it, the CLI names the option."""


class WrongPassword(PasswordRequired):
    """The password given does not open the workbook: asked for again, with this message."""


class Workbook:
    """A workbook's sheets, read in the order given to :meth:`plan`; ``close`` stops the reading ahead."""

    def __init__(self, sheets: list[RawSheet], ahead: _ReadAhead | None = None, names: dict[str, str] | None = None):
        self.sheets = sheets
        self._ahead = ahead
        self._names = names or {}  # a sheet's name as in ``sheets`` (trimmed) → as in the file

    def plan(self, names: Iterable[str]) -> None:
        """The sheets (names as in ``sheets``) about to be loaded, in order: they are parsed ahead of their turn."""
        if self._ahead is not None:
            self._ahead.plan([self._names.get(n, n) for n in names])

    def close(self) -> None:
        if self._ahead is not None:
            self._ahead.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_workbook(path: Path, *, password: str | None = None) -> Workbook:
    """Every sheet's raw cell values (numbers stay numbers, dates dates), each loaded when asked for.

    ``password`` opens a workbook that has an opening password (ignored for one that has none); without it
    such a workbook raises :class:`PasswordRequired`, with a wrong one :class:`WrongPassword`.
    """
    if not path.exists():
        raise Unreadable(f"找不到文件“{path}”")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        from .table_files import read_sheets

        try:
            sheets = read_sheets(path)
        except UserError as err:
            raise Unreadable(err.message) from None
        return Workbook([(path.stem, 1, lambda rows=[list(r) for r in sheet]: rows) for sheet in sheets])
    plain = None
    if is_encrypted_ooxml(path):
        from .decrypt import decrypt_workbook

        plain = decrypt_workbook(path, password)  # in memory: no plain copy of the personal data on disk
    try:
        from python_calamine import CalamineWorkbook

        # from_filelike copies the bytes into calamine, so the decrypted copy here can go at once.
        wb = CalamineWorkbook.from_path(str(path)) if plain is None else CalamineWorkbook.from_filelike(plain)
        names = list(wb.sheet_names)
    except Exception:  # noqa: BLE001 - calamine raises its own kinds, one per file format
        raise unreadable(path) from None
    finally:
        if plain is not None:
            plain.close()
    ahead = _ReadAhead(wb, path)
    return Workbook([(name.strip(), 1, lambda name=name: ahead.load(name)) for name in names], ahead,
                    {name.strip(): name for name in names})


def is_encrypted_ooxml(path: Path) -> bool:
    """An Excel workbook with an opening password: an OLE container ("D0 CF 11 E0") holding an EncryptionInfo stream."""
    try:
        with open(path, "rb") as f:
            if f.read(8) != bytes.fromhex("d0cf11e0a1b11ae1"):
                return False
        import olefile

        with olefile.OleFileIO(str(path)) as ole:
            return ole.exists("EncryptionInfo")
    except Exception:  # noqa: BLE001 - a damaged file is simply not a recognisably encrypted one
        return False


def unreadable(path: Path) -> Unreadable:
    return Unreadable(f"无法打开“{path.name}”：文件已损坏或不是 Excel 工作簿。"
                      "请重新导出，或在 Excel/WPS 中另存为 .xlsx 后再导入")


class _ReadAhead:
    """One worker thread parsing the planned sheets in order, at most ``AHEAD_CELLS`` cells ahead.

    A sheet asked for out of turn goes to the front of the queue, whatever the worker holds, so no order
    of loads can wait forever. Only the worker touches the calamine workbook.
    """

    def __init__(self, wb, path: Path, ahead_cells: int = AHEAD_CELLS):
        self._wb = wb
        self._path = path
        self._limit = ahead_cells
        self._cond = threading.Condition()
        self._queue: deque[str] = deque()
        self._ready: dict[str, object] = {}   # name → parsed CalamineSheet, not yet loaded
        self._held = 0                         # cells in _ready
        self._busy: str | None = None          # the sheet being parsed
        self._wanted: str | None = None        # the sheet the checker waits for
        self._failed = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def plan(self, names: list[str]) -> None:
        with self._cond:
            self._queue = deque(n for n in names if n not in self._ready and n != self._busy)
            self._start()
            self._cond.notify_all()

    def load(self, name: str) -> list[list[object]]:
        with self._cond:
            while name not in self._ready:
                if self._failed or self._closed:
                    raise unreadable(self._path)
                if name != self._busy and self._wanted != name:
                    if name in self._queue:
                        self._queue.remove(name)
                    self._queue.appendleft(name)
                    self._wanted = name
                    self._start()
                    self._cond.notify_all()
                self._cond.wait()
            sheet = self._ready.pop(name)
            self._held -= _cells(sheet)
            self._wanted = None
            self._cond.notify_all()
        try:
            return sheet.to_python(skip_empty_area=False)
        except Exception:  # noqa: BLE001 - as in read_workbook
            raise unreadable(self._path) from None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._ready.clear()
            self._cond.notify_all()
            if self._thread is None:
                self._release()
            # else the worker releases the file when it stops (it may be in the middle of a sheet)

    def _release(self) -> None:
        """Let go of the file (Windows keeps an open file from being moved or deleted)."""
        try:
            self._wb.close()
        except Exception:  # noqa: BLE001 - closing twice, or a file already gone: nothing to keep
            pass

    def _start(self) -> None:
        if self._thread is None and not self._closed:
            # A daemon: a parse still running when the check is cancelled must not keep the program open.
            self._thread = threading.Thread(target=self._work, name="calamine-read-ahead", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        try:
            self._read_planned()
        finally:
            self._release()

    def _read_planned(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (not self._queue or (self._held >= self._limit and self._wanted is None)):
                    self._cond.wait()
                if self._closed:
                    return
                name = self._queue.popleft()
                self._busy = name
            try:
                sheet = self._wb.get_sheet_by_name(name)  # Rust, with Python's lock released
            except Exception:  # noqa: BLE001 - as in read_workbook; the checker raises Unreadable
                with self._cond:
                    self._failed = True
                    self._busy = None
                    self._cond.notify_all()
                return
            with self._cond:
                self._busy = None
                if not self._closed:
                    self._ready[name] = sheet
                    self._held += _cells(sheet)
                self._cond.notify_all()
            del sheet  # held by _ready alone: the checker's load frees it


def _cells(sheet) -> int:
    return sheet.height * sheet.width
