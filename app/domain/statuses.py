"""Every state a stored thing can be in, in one place: the columns (Postgres enums of the same
values, see the migrations), the rules in this package and the API all speak these."""

from __future__ import annotations

from enum import StrEnum


class ApplicationState(StrEnum):
    APPLIED = "applied"  # the parent applied (书面申请 / 回执单)
    CLASS_APPROVED = "class_approved"  # the class teacher reviewed it
    APPROVED = "approved"  # the school approved it
    REFUSED = "refused"  # by the class teacher or the school, with a reason
    WITHDRAWN = "withdrawn"  # by the parent, before the school decided


class AttendanceStatus(StrEnum):
    PRESENT = "present"  # 出勤
    ABSENT = "absent"  # 缺勤 (unexcused)
    LEAVE = "leave"  # 请假 (excused by approved leave)
    LATE = "late"  # 迟到 (arrived late; attended)

    @property
    def attended(self) -> bool:
        return self in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class CourseStatus(StrEnum):
    OPEN = "open"  # taking registrations
    CONFIRMED = "confirmed"  # 开班
    CANCELLED = "cancelled"  # 撤班


class EnrollmentStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED_BY_SCHOOL = "cancelled_by_school"  # the course was cancelled (撤班)
    DISMISSED = "dismissed"  # 劝退, or the place given up (视作自动放弃)


class BindingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REVOKED = "revoked"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class LeaveState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class WaitlistState(StrEnum):
    WAITING = "waiting"
    ADMITTED = "admitted"  # a freed seat went to this student
    WITHDRAWN = "withdrawn"


class NoticeState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # DingTalk accepted it (asynchronous: `receipt` says whether it arrived)
    NO_CHANNEL = "no_channel"  # the user has no DingTalk account linked
    FAILED = "failed"  # refused, or out of attempts


class ExportState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"  # a worker holds it (its lease says until when)
    DONE = "done"  # the file is there to download until the job expires
    FAILED = "failed"
    EXPIRED = "expired"  # the file was dropped


class ExportKind(StrEnum):
    """The term-wide exports, the ones that grow with the school."""

    ATTENDANCE = "attendance"
    STATEMENTS = "statements"
    WORKLOAD = "workload"


class ExitState(StrEnum):
    """A written request to leave a place (退出申请)."""

    PENDING = "pending"
    APPROVED = "approved"  # the place ended; sessions still to come refunded
    REFUSED = "refused"  # with the school's reason
    WITHDRAWN = "withdrawn"  # by the family, before the school decided
