"""Opening an AidDesk database safely: checks, pragmas, upgrades, transactions."""

from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from ..core.clock import Clock, SystemClock
from ..core.errors import UserError
from ..paths import SCHEMA_FILE
from . import migrations
from .filesystem import is_network_path
from .households import analyze_if_needed

APPLICATION_ID = 0x41494444  # 'AIDD', set by db_schema.sql
SQLITE_HEADER = b"SQLite format 3\x00"


class DatabaseOpenError(UserError):
    """The file cannot be opened as an AidDesk database; the file is left untouched."""


def plain_cursor(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor giving plain tuples: on a few hundred thousand rows sqlite3.Row by name costs more than the query."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


def _schema_version() -> int:
    for line in SCHEMA_FILE.read_text(encoding="utf-8").splitlines():
        if line.upper().startswith("PRAGMA USER_VERSION"):
            return int(line.split("=")[1].strip().rstrip(";"))
    raise RuntimeError("db_schema.sql sets no user_version")


CURRENT_VERSION = _schema_version()


def _is_locked(err: sqlite3.OperationalError) -> bool:
    text = str(err).lower()
    return "locked" in text or "busy" in text


def _locked_error(path: Path) -> DatabaseOpenError:
    return DatabaseOpenError(
        f"数据库“{path.name}”正被另一台电脑或另一个程序使用（已加锁），暂时无法打开。"
        "请等对方完成操作或关闭程序后再试。"
    )


class DatabaseBusyError(UserError):
    """Another computer or program holds the write lock; the action changed nothing."""


class ReadOnlyError(UserError):
    """The database is open read-only (another PC has it); nothing was saved."""


class DiskFullError(UserError):
    """The disk refused to take a change (full, or failing); the action wrote nothing."""


# SQLite's primary result codes (the low byte of ``sqlite3.Error.sqlite_errorcode``) told apart here.
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 5, 6, 8, 10, 13, 14


def _write_refused(err: BaseException, path: Path) -> UserError | None:
    """The Chinese error for a write the disk or another program refused (``None``: not such an error).

    Only called once the transaction is rolled back, so "没有写入任何内容" is true.
    """
    if not isinstance(err, sqlite3.Error):
        return None
    code = (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF
    if code == _SQLITE_FULL:
        return DiskFullError(f"磁盘已满：数据库“{path.name}”所在的磁盘（{path.parent}）没有剩余空间，"
                             "本次操作没有写入任何内容。请删除不用的文件、腾出空间后重试。")
    if code == _SQLITE_IOERR:
        return DiskFullError(f"读写数据库“{path.name}”时磁盘出错（磁盘可能已满，或U盘、网络盘已断开），"
                             "本次操作没有写入任何内容。请检查磁盘后重试。")
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return DatabaseBusyError(f"数据库“{path.name}”正被另一台电脑或另一个程序使用，"
                                 "本次操作没有保存任何内容。请稍等片刻再试。")
    return None


def attachment_dir_for(db_path: Path) -> Path:
    """The attachments folder of the database at ``db_path``: ``<stem>_附件`` beside it."""
    return db_path.with_name(db_path.stem + "_附件")


class Connection(sqlite3.Connection):
    """A connection that knows the clock of the session that opened it.

    Code handed only the connection (the audit log, repositories stamping a row) takes
    "now" from ``conn.clock``, the same clock the services read through ``Database.clock``.
    """

    clock: Clock


class Database:
    """One open AidDesk database file, with the clock every date and time of the session comes from.

    ``conn`` belongs to the thread that opened it; a worker thread gets its own
    connection from :meth:`connect_for_thread`. ``read_only``: every transaction
    is refused (opened so, or switched so when another PC took the application lock).
    """

    def __init__(self, path: Path, conn: Connection, *, busy_timeout_ms: int,
                 read_only: bool = False, read_only_reason: str = ""):
        self.path = path
        self.conn = conn
        self.busy_timeout_ms = busy_timeout_ms
        self.read_only = read_only
        self.read_only_reason = read_only_reason
        self._depth = 0
        self._lock = threading.RLock()

    @property
    def clock(self) -> Clock:
        """Where "today" and "now" come from: the PC's clock, one the user corrected, or a test's."""
        return self.conn.clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self.conn.clock = clock

    def set_read_only(self, reason: str) -> None:
        """From now on refuse every change; ``reason`` says who has the database, e.g. 张三（电脑 PC-01）已接管."""
        self.read_only = True
        self.read_only_reason = reason

    @property
    def attachment_dir(self) -> Path:
        """Managed folder of attachment files, beside the database file."""
        return attachment_dir_for(self.path)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One unit of work: everything inside commits together or not at all.

        Nested use joins the outer transaction through a savepoint, so a
        service may call another service without splitting the user's action.
        """
        if self.read_only:
            reason = self.read_only_reason or "另一台电脑正在使用"
            raise ReadOnlyError(f"数据库以只读方式打开（{reason}），不能保存修改。")
        with self._lock:
            if self._depth == 0:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as err:
                    if _is_locked(err):
                        raise DatabaseBusyError(
                            f"数据库“{self.path.name}”正被另一台电脑或另一个程序修改（已加锁），"
                            "本次操作没有保存任何内容。请稍等片刻再试。"
                        ) from err
                    raise
            else:
                self.conn.execute(f"SAVEPOINT sp{self._depth}")
            self._depth += 1
            try:
                yield self.conn
            except BaseException as err:
                self._depth -= 1
                self._undo()
                refused = _write_refused(err, self.path)
                if refused is not None:
                    raise refused from err
                raise
            self._depth -= 1
            self._finish()

    def _undo(self) -> None:
        """Roll back the level just left, unless SQLite has already rolled the whole transaction back.

        It does that itself on some errors (SQLITE_FULL, IOERR, NOMEM): a ROLLBACK then would fail with
        "cannot rollback - no transaction is active" and hide the real error.
        """
        if not self.conn.in_transaction:
            return
        if self._depth == 0:
            self.conn.execute("ROLLBACK")
        else:
            self.conn.execute(f"ROLLBACK TO sp{self._depth}")
            self.conn.execute(f"RELEASE sp{self._depth}")

    def _finish(self) -> None:
        """Commit (or release the savepoint of) the level just left; a failed COMMIT rolls everything back."""
        if not self.conn.in_transaction:  # rolled back under us after an error someone caught and went on from
            raise UserError(f"保存到数据库“{self.path.name}”时出错，本次操作没有保存。请检查磁盘空间后重试。")
        if self._depth:
            self.conn.execute(f"RELEASE sp{self._depth}")
            return
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error as err:
            # Together or not at all: a transaction left open would make every later action fail too.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            refused = _write_refused(err, self.path)
            if refused is not None:
                raise refused from err
            raise

    def connect_for_thread(self) -> "Database":
        """A second connection to the same file, for use on another thread."""
        conn = _connect(self.path, self.busy_timeout_ms, self.clock, read_only=self.read_only)
        return Database(self.path, conn, busy_timeout_ms=self.busy_timeout_ms, read_only=self.read_only,
                        read_only_reason=self.read_only_reason)

    def close(self) -> None:
        self.conn.close()


def read_only_uri(path: Path) -> str:
    """``file:…?mode=ro`` for ``path``: '?', '#', '%' and Chinese names escaped; a UNC share keeps its four slashes."""
    posix = path.as_posix()
    if not posix.startswith("/"):
        posix = "/" + posix  # C:/… becomes /C:/…, which SQLite reads as the drive
    prefix = "//" if posix.startswith("//") else ""
    return f"file:{prefix}{quote(posix, safe='/:')}?mode=ro"


def _connect(path: Path, busy_timeout_ms: int, clock: Clock, *, read_only: bool = False) -> Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves in transaction().
    if read_only:
        # mode=ro: SQLite itself refuses writes, so a slip past transaction() cannot change the file.
        conn = sqlite3.connect(read_only_uri(path), uri=True, isolation_level=None, check_same_thread=False,
                               factory=Connection)
        if _no_room_for_shared_memory(conn, path):
            conn.close()
            conn = sqlite3.connect(read_only_uri(path) + "&immutable=1", uri=True, isolation_level=None,
                                   check_same_thread=False, factory=Connection)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, factory=Connection)
    conn.clock = clock
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _no_room_for_shared_memory(conn: sqlite3.Connection, path: Path) -> bool:
    """A WAL database on a disk or in a folder nobody may write (a read-only share, a write-protected USB stick):
    SQLite cannot make the ``-shm`` file it needs even to read. With no ``-wal`` file of changes beside it, the
    file alone is the whole database, and is read as one nobody changes while this session looks at it."""
    try:
        conn.execute("PRAGMA schema_version").fetchone()
        return False
    except sqlite3.DatabaseError as err:
        if (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF not in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
            return False  # a damaged file, a lock: reported by the caller's own first query
        wal = path.with_name(path.name + "-wal")
        try:
            return not wal.exists() or wal.stat().st_size == 0
        except OSError:
            return False


def _create(path: Path) -> None:
    """Build a new database beside ``path`` and move it into place whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".creating")
    tmp.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(str(tmp), isolation_level=None)
        try:
            conn.executescript(SCHEMA_FILE.read_text(encoding="utf-8"))
        finally:
            conn.close()
    except sqlite3.Error as err:
        tmp.unlink(missing_ok=True)
        refused = _write_refused(err, path)
        if refused is not None:
            raise refused from err
        raise DatabaseOpenError(f"无法在“{path.parent}”新建数据库文件“{path.name}”（{err}）。"
                                "请换一个有写权限的文件夹。") from err
    os.replace(tmp, path)


def _check_file(path: Path, *, for_writing: bool = True) -> None:
    """Refuse, before touching it, a file we must not open (for writing, unless ``for_writing`` is False)."""
    if path.is_dir():
        raise DatabaseOpenError(f"“{path}”是一个文件夹，不是数据库文件。请选择 .sqlite 数据库文件。")
    with open(path, "rb") as f:
        header = f.read(16)
    if header != SQLITE_HEADER:
        raise DatabaseOpenError(
            f"“{path.name}”不是帮扶工作台的数据库文件（文件格式不对）。请确认选择的文件是否正确。"
        )
    if not for_writing:
        return
    # The mode check catches a file marked read-only even for an administrator (root),
    # whom os.access would let write anyway.
    marked_read_only = (path.stat().st_mode & 0o222) == 0 or (path.parent.stat().st_mode & 0o222) == 0
    if marked_read_only or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise DatabaseOpenError(
            f"数据库“{path.name}”或其所在文件夹是只读的，无法保存修改。"
            "请把文件复制到有写权限的文件夹（如“文档”）后再打开，或请管理员开放写权限。"
        )


def journal_mode_for(path: Path) -> str:
    return "DELETE" if is_network_path(path) else "WAL"


def open_database(path: str | os.PathLike, *, create: bool = True, busy_timeout_ms: int = 5000,
                  read_only: bool = False, read_only_reason: str = "", clock: Clock | None = None) -> Database:
    """Open (creating or upgrading if needed) the AidDesk database at ``path``.

    ``clock``: where the session's dates and times come from (default: the PC's clock).

    ``read_only``: for looking while another PC has the database; nothing is
    created, probed, upgraded or switched, and every transaction is refused.
    Every refusal is a :class:`DatabaseOpenError` with a Chinese message, and
    leaves the file exactly as it was.
    """
    path = Path(path).expanduser().absolute()
    if not path.exists():
        if not create or read_only:
            raise DatabaseOpenError(f"找不到数据库文件“{path}”。")
        _create(path)
    _check_file(path, for_writing=not read_only)
    try:
        conn = _connect(path, busy_timeout_ms, clock or SystemClock(), read_only=read_only)
    except sqlite3.Error as err:
        raise DatabaseOpenError(f"无法打开数据库“{path.name}”：{err}") from err
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise DatabaseOpenError(
                f"“{path.name}”是一个 SQLite 文件，但不是帮扶工作台的数据库。请确认选择的文件是否正确。"
            )
        if version > CURRENT_VERSION:
            raise DatabaseOpenError(
                f"数据库“{path.name}”由更新版本的帮扶工作台创建（数据版本 {version}，本程序支持到 {CURRENT_VERSION}）。"
                "请先升级本程序再打开，以免损坏数据。"
            )
        if read_only:
            if version < CURRENT_VERSION:
                raise DatabaseOpenError(
                    f"数据库“{path.name}”的数据版本较旧（{version}，本程序为 {CURRENT_VERSION}），需要先升级才能打开，"
                    "而只读方式不能升级。请等正在使用它的电脑关闭程序后，再正常打开一次。"
                )
            return Database(path, conn, busy_timeout_ms=busy_timeout_ms, read_only=True,
                            read_only_reason=read_only_reason)
        # Probe for a writer lock before changing anything (journal mode, upgrade).
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        if version < CURRENT_VERSION:
            migrations.upgrade(conn, path, version, CURRENT_VERSION, now=conn.clock.now())
        # WAL needs memory shared between the processes using the file, which PCs
        # sharing a network drive do not have: there SQLite's rollback journal is
        # the safe choice (and locks whole-file, which network locking supports).
        conn.execute(f"PRAGMA journal_mode = {journal_mode_for(path)}")
        analyze_if_needed(conn)
    except sqlite3.OperationalError as err:
        conn.close()
        if _is_locked(err):
            raise _locked_error(path) from err
        raise DatabaseOpenError(f"无法打开数据库“{path.name}”：{err}") from err
    except sqlite3.DatabaseError as err:  # e.g. a damaged file
        conn.close()
        raise DatabaseOpenError(
            f"数据库“{path.name}”已损坏或不是数据库文件（{err}）。请用备份恢复。"
        ) from err
    except BaseException:
        conn.close()
        raise
    return Database(path, conn, busy_timeout_ms=busy_timeout_ms)
