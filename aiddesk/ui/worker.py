"""Long work off the GUI thread, with a progress dialog and a cancel that leaves nothing half-done."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..core.errors import UserError


class _Job(QObject):
    progressed = Signal(int, int)
    labelled = Signal(str)
    stepped = Signal(object)
    finished = Signal(object, object)  # result, error

    def __init__(self, fn: Callable[[Callable[[int, int], bool]], Any]):
        super().__init__()
        self._fn = fn
        self.cancelled = False

    def run(self) -> None:
        try:
            result = self._fn(Progress(self))
        except BaseException as err:  # handed to the GUI thread, shown there
            self.finished.emit(None, err)
        else:
            self.finished.emit(result, None)


class Progress:
    """What a job is handed: ``progress(done, total)`` moves the bar and returns False once cancelled.

    A job of several parts can also say which part it is at, ``progress.say("第 3/44 个文件：…")`` (the dialog's
    label), and hand a part's result to the GUI thread as soon as it is known, ``progress.step(value)`` (to the
    ``on_step`` of :func:`run_with_progress`, in order, before ``on_done``).
    """

    def __init__(self, job: _Job):
        self._job = job

    def __call__(self, done: int, total: int) -> bool:
        self._job.progressed.emit(done, total)
        return not self._job.cancelled

    @property
    def cancelled(self) -> bool:
        return self._job.cancelled

    def say(self, text: str) -> None:
        self._job.labelled.emit(text)

    def step(self, value: Any) -> None:
        self._job.stepped.emit(value)


class _Relay(QObject):
    """Lives on the GUI thread, so the worker's signals reach our callbacks queued, on this thread."""

    def __init__(self, on_progress, on_finished, parent, on_label=None, on_step=None):
        super().__init__(parent)
        self._on_progress, self._on_finished = on_progress, on_finished
        self._on_label, self._on_step = on_label, on_step

    @Slot(int, int)
    def progressed(self, done: int, total: int) -> None:
        self._on_progress(done, total)

    @Slot(str)
    def labelled(self, text: str) -> None:
        self._on_label(text)

    @Slot(object)
    def stepped(self, value: Any) -> None:
        if self._on_step is not None:
            self._on_step(value)

    @Slot(object, object)
    def finished(self, result: Any, err: Any) -> None:
        self._on_finished(result, err)


def run_with_progress(parent: QWidget | None, *, title: str, label: str,
                      job: Callable[[Callable[[int, int], bool]], Any],
                      on_done: Callable[[Any], None], on_error: Callable[[BaseException], None],
                      on_step: Callable[[Any], None] | None = None) -> QProgressDialog:
    """Run ``job(report)`` on a worker thread. ``report(done, total)`` returns False once cancelled.

    ``report`` is a :class:`Progress`: ``report.say(text)`` changes the label, ``report.step(value)`` calls
    ``on_step(value)``. The job must not touch widgets, and must use its own database connection
    (``Database.connect_for_thread``). ``on_done``/``on_error``/``on_step`` run on the GUI thread.
    """
    dialog = QProgressDialog(label, "取消", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    thread = QThread(parent)
    worker = _Job(job)
    worker.moveToThread(thread)

    def progressed(done: int, total: int) -> None:
        dialog.setMaximum(total)
        dialog.setValue(done)

    def finished(result: Any, err: BaseException | None) -> None:
        thread.quit()
        thread.wait()
        dialog.close()
        worker.deleteLater()
        thread.deleteLater()
        if err is not None:
            on_error(err)
        else:
            on_done(result)

    def labelled(text: str) -> None:
        if not worker.cancelled:  # "正在取消 …" stays until the job has stopped
            dialog.setLabelText(text)

    def cancel() -> None:
        worker.cancelled = True
        dialog.setLabelText("正在取消 …")

    relay = _Relay(progressed, finished, dialog, labelled, on_step)
    worker.progressed.connect(relay.progressed)
    worker.labelled.connect(relay.labelled)
    worker.stepped.connect(relay.stepped)
    worker.finished.connect(relay.finished)
    dialog.canceled.connect(cancel)
    thread.started.connect(worker.run)
    thread.start()
    # Keep Python references alive while the thread runs.
    dialog._aiddesk_job = (thread, worker, relay)
    return dialog


def with_own_connection(db, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn(worker_db, *args)`` for a worker thread: a connection belongs to its thread, so the job opens its own
    and always closes it (a restore cannot replace a file that any connection still holds open on Windows)."""
    def job(*args):
        worker_db = db.connect_for_thread()
        try:
            return fn(worker_db, *args)
        finally:
            worker_db.close()
    return job


def describe_error(err: BaseException) -> str:
    """The Chinese text to show for an error raised by a job."""
    if isinstance(err, UserError):
        return err.message
    if type(err).__name__ == "Cancelled":  # every report's own cancel (reports.common.Cancelled)
        return "已取消，未生成任何文件。"
    if isinstance(err, OSError):
        return f"无法读写文件：{err.strerror or err}（{err.filename or ''}）。请检查文件是否被其他程序打开、磁盘是否已满。"
    return f"发生了意外错误：{err!r}。数据未被修改。请把这段文字告诉技术支持人员。"
