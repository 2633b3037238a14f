"""ORM models, one module per feature. Every table is created by a migration in
`migrations/versions`, never create_all."""

from app.models.attendance import Attendance, Handover
from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.calendar import CalendarOverride, GradeSchedule, Suspension
from app.models.care import CareApplication, CareApplicationEvent
from app.models.care_groups import CareGroup, CareGroupMember
from app.models.clearing import ClearingCheck
from app.models.committee import SettlementCosign
from app.models.conduct import ConductIncident
from app.models.courses import GRABBABLE, Course, CourseKind
from app.models.database_identity import DatabaseIdentity
from app.models.draws import DrawEntry
from app.models.enrollments import Enrollment
from app.models.exits import ExitRequest
from app.models.export_jobs import ExportJob
from app.models.feedback import Feedback
from app.models.fees import LedgerEntry
from app.models.leave import LeaveRequest, PolicyStep
from app.models.notices import Notice
from app.models.outside import OutsideStaff
from app.models.publications import Objection, Publication, PublicationKind
from app.models.reconcile_runs import ReconcileRun
from app.models.schools import District, School, SchoolClass
from app.models.sessions import CareSession, session_roster
from app.models.students import (
    Agreement,
    BindingCode,
    CalendarFeed,
    Guardianship,
    Insurance,
    Student,
)
from app.models.terms import Term, UnderMinPolicy
from app.models.users import RefreshToken, RoleGrant, User
from app.models.waitlist import WaitlistEntry
from app.models.workload import DutyKind, DutyRecord

__all__ = [
    "GRABBABLE",
    "Agreement",
    "Attendance",
    "AuditEvent",
    "Base",
    "BindingCode",
    "CalendarFeed",
    "CalendarOverride",
    "CareApplication",
    "CareApplicationEvent",
    "CareGroup",
    "CareGroupMember",
    "CareSession",
    "ClearingCheck",
    "ConductIncident",
    "Course",
    "CourseKind",
    "DatabaseIdentity",
    "District",
    "DrawEntry",
    "DutyKind",
    "DutyRecord",
    "Enrollment",
    "ExitRequest",
    "ExportJob",
    "Feedback",
    "GradeSchedule",
    "Guardianship",
    "Handover",
    "Insurance",
    "LeaveRequest",
    "LedgerEntry",
    "Notice",
    "Objection",
    "OutsideStaff",
    "PolicyStep",
    "Publication",
    "PublicationKind",
    "ReconcileRun",
    "RefreshToken",
    "RoleGrant",
    "School",
    "SchoolClass",
    "SettlementCosign",
    "Student",
    "Suspension",
    "Term",
    "UnderMinPolicy",
    "User",
    "WaitlistEntry",
    "session_roster",
]
