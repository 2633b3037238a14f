"""ORM models. Every table is created by a migration in `migrations/versions`, never create_all."""

from app.db import Base
from app.models.attendance import (
    Attendance,
    CareSession,
    Handover,
    LeaveRequest,
    LeaveState,
    PolicyStep,
    SessionStatus,
    session_roster,
)
from app.models.audit import AuditEvent, WaitlistEntry, WaitlistState
from app.models.calendar import CalendarOverride, GradeSchedule, Suspension, Term, UnderMinPolicy
from app.models.care import CareApplication, CareApplicationEvent
from app.models.course import Course, CourseKind, CourseStatus
from app.models.database_identity import DatabaseIdentity
from app.models.enrollment import Enrollment, EnrollmentStatus
from app.models.fees import DutyKind, DutyRecord, Feedback, LedgerEntry
from app.models.notification import Notice, NoticeState
from app.models.org import District, School, SchoolClass
from app.models.people import (
    Agreement,
    BindingCode,
    BindingStatus,
    Guardianship,
    Insurance,
    RefreshToken,
    RoleGrant,
    Student,
    User,
)
from app.models.publication import (
    CareGroup,
    CareGroupMember,
    Objection,
    Publication,
    PublicationKind,
)
from app.models.reconcile import ReconcileRun

__all__ = [
    "Agreement",
    "Attendance",
    "AuditEvent",
    "Base",
    "BindingCode",
    "BindingStatus",
    "CalendarOverride",
    "CareApplication",
    "CareApplicationEvent",
    "CareGroup",
    "CareGroupMember",
    "CareSession",
    "Course",
    "CourseKind",
    "CourseStatus",
    "DatabaseIdentity",
    "District",
    "DutyKind",
    "DutyRecord",
    "Enrollment",
    "EnrollmentStatus",
    "Feedback",
    "GradeSchedule",
    "Guardianship",
    "Handover",
    "Insurance",
    "LeaveRequest",
    "LeaveState",
    "LedgerEntry",
    "Notice",
    "NoticeState",
    "Objection",
    "PolicyStep",
    "Publication",
    "PublicationKind",
    "ReconcileRun",
    "RefreshToken",
    "RoleGrant",
    "School",
    "SchoolClass",
    "SessionStatus",
    "Student",
    "Suspension",
    "Term",
    "UnderMinPolicy",
    "User",
    "WaitlistEntry",
    "WaitlistState",
    "session_roster",
]
