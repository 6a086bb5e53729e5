"""Taking a test's batch through 审核, 公示 and 审批 on given days, each step by the right person."""

from __future__ import annotations

from datetime import date

from aiddesk.db import Database
from aiddesk.db.audit import Actor
from aiddesk.services.batches import BatchService


def approve_batch(db: Database, batch_id: int, *, clerk: Actor, reviewer: Actor, approver: Actor, noticed: date,
                  ended: date, approved: date) -> None:
    """Submitted and put on notice on ``noticed``, sent for approval on ``ended``, approved on ``approved``."""
    db.clock.set(noticed)
    BatchService(db, clerk).transition(batch_id, "审核中")
    BatchService(db, reviewer).transition(batch_id, "公示中")
    db.clock.set(ended)
    BatchService(db, clerk).transition(batch_id, "待审批")
    db.clock.set(approved)
    BatchService(db, approver).transition(batch_id, "已审批")
