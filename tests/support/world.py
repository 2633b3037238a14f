"""A small, fixed district for API tests: two schools, their admins, teachers, families, a term.

Everyone signs in with a development login (`dev:<login>`), as the mini-app would with DingTalk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.access import Role
from app.domain.attendance import PolicyAction
from app.domain.statuses import (
    ApplicationState,
    BindingStatus,
    EnrollmentStatus,
    ExportKind,
    ExportState,
)
from app.models import (
    Agreement,
    CalendarFeed,
    CareApplication,
    CareGroup,
    CareGroupMember,
    CareSession,
    Course,
    CourseKind,
    District,
    Enrollment,
    ExitRequest,
    ExportJob,
    Feedback,
    GradeSchedule,
    Guardianship,
    Insurance,
    LeaveRequest,
    Objection,
    OutsideStaff,
    PolicyStep,
    Publication,
    PublicationKind,
    RoleGrant,
    School,
    SchoolClass,
    Student,
    Suspension,
    Term,
    User,
    WaitlistEntry,
)
from app.services.calendar_feeds import token_hash as calendar_token_hash

LOGINS = (
    "district-admin",
    "admin-a",
    "admin-b",
    "teacher-a301",
    "teacher-a302",
    "care-a",
    "parent-1",
    "parent-2",
    "stranger",
)


@dataclass
class World:
    district_id: int = 0
    other_district_id: int = 0
    school_a: int = 0
    school_b: int = 0
    class_a301: int = 0
    class_a302: int = 0
    class_b101: int = 0
    student_1: int = 0  # child of parent-1, class a301, grade 3
    student_2: int = 0  # child of parent-2, class a302, grade 3
    student_b: int = 0  # at school b
    term_a: int = 0
    term_b: int = 0
    course_a: int = 0
    suspension_a: int = 0
    care_grant_a: int = 0
    pending_binding: int = 0  # "stranger" asks to be bound to student_1
    enrollment_removed: int = 0
    waitlist_entry: int = 0
    care_group: int = 0  # student 1 in basic-care group 1 of term A
    publication: int = 0  # up now, with an objection from parent-1
    objection: int = 0
    care_application: int = 0  # parent-1 applied for basic care for student_1 in term_a
    care_session: int = 0  # care group 1 met on 2026-11-23 (a Monday, before "today")
    leave_request: int = 0  # parent-1 asked leave for student_1, pending
    dismissal_step: int = 0  # a dismissal of student_1 proposed to school A, undecided
    feedback: int = 0  # parent-1's feedback to school A, unanswered
    calendar_feed: int = 0  # parent-1's calendar address for student_1
    calendar_token: str = "world-calendar-feed-token-0001"
    export_job: int = 0  # the district administrator's finished attendance export of term A
    exit_request: int = 0  # parent-1 asks for student 1 to leave basic care in term A
    outside_staff: int = 0  # a retired teacher school A proposed, not yet vetted
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[login]}"}


TERM_START = date(2026, 9, 1)
TERM_END = date(2027, 1, 20)


async def build_world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    world = World()
    async with sessionmaker() as session, session.begin():
        users = {
            login: User(name=login, dev_login=login, phone="+8613900000000") for login in LOGINS
        }
        session.add_all(users.values())
        district = District(name="示范区", code="demo")
        other = District(name="邻区", code="other")
        session.add_all([district, other])
        await session.flush()
        school_a = School(district_id=district.id, name="溪尾中心小学", code="xiwei")
        school_b = School(district_id=district.id, name="实验小学", code="shiyan")
        session.add_all([school_a, school_b])
        await session.flush()
        grants = [
            RoleGrant(
                user_id=users["district-admin"].id,
                role=Role.DISTRICT_ADMIN,
                district_id=district.id,
            ),
            RoleGrant(user_id=users["admin-a"].id, role=Role.SCHOOL_ADMIN, school_id=school_a.id),
            RoleGrant(user_id=users["admin-b"].id, role=Role.SCHOOL_ADMIN, school_id=school_b.id),
            RoleGrant(
                user_id=users["teacher-a301"].id, role=Role.CLASS_TEACHER, school_id=school_a.id
            ),
            RoleGrant(
                user_id=users["teacher-a302"].id, role=Role.CLASS_TEACHER, school_id=school_a.id
            ),
            RoleGrant(user_id=users["care-a"].id, role=Role.CARE_TEACHER, school_id=school_a.id),
        ]
        session.add_all(grants)
        care_grant = grants[5]
        a301 = SchoolClass(
            school_id=school_a.id, grade=3, number=1, class_teacher_id=users["teacher-a301"].id
        )
        a302 = SchoolClass(
            school_id=school_a.id, grade=3, number=2, class_teacher_id=users["teacher-a302"].id
        )
        b101 = SchoolClass(school_id=school_b.id, grade=1, number=1)
        session.add_all([a301, a302, b101])
        await session.flush()
        s1 = Student(
            school_id=school_a.id,
            class_id=a301.id,
            name="王小明",
            student_number="A0001",
            left_behind=True,
        )
        s2 = Student(school_id=school_a.id, class_id=a302.id, name="李小红", student_number="A0002")
        sb = Student(school_id=school_b.id, class_id=b101.id, name="赵小刚", student_number="B0001")
        session.add_all([s1, s2, sb])
        await session.flush()
        now = datetime.now(UTC)
        session.add_all(
            [
                Guardianship(
                    student_id=s1.id,
                    user_id=users["parent-1"].id,
                    relation="mother",
                    status=BindingStatus.CONFIRMED,
                    confirmed_at=now,
                ),
                Guardianship(
                    student_id=s2.id,
                    user_id=users["parent-2"].id,
                    relation="father",
                    status=BindingStatus.CONFIRMED,
                    confirmed_at=now,
                ),
            ]
        )
        terms = []
        for school in (school_a, school_b):
            opens = now + timedelta(days=1)
            term = Term(
                school_id=school.id,
                name="2026秋",
                starts_on=TERM_START,
                ends_on=TERM_END,
                opens_at=opens,
                closes_at=opens + timedelta(hours=24),
                grab_opens_at=opens,
                round2_opens_at=opens + timedelta(hours=24),
                round2_closes_at=opens + timedelta(hours=48),
            )
            session.add(term)
            terms.append(term)
        await session.flush()
        for term in terms:
            for grade, start in ((1, time(15, 5)), (3, time(15, 50))):
                session.add(
                    GradeSchedule(
                        term_id=term.id,
                        grade=grade,
                        start_time=start,
                        end_time=time(17, 30),
                        summer_end_time=time(18, 0),
                        weekdays=[1, 3, 5] if grade == 1 else [1, 2, 3, 4, 5],
                    )
                )
        course = Course(
            term_id=terms[0].id,
            kind=CourseKind.EXTENSION,
            name="少儿编程",
            grades=[3, 4],
            weekdays=[2, 4],
            start_time=time(16, 0),
            end_time=time(16, 40),
            capacity=30,
            min_size=15,
            fee_per_session_fen=2000,
        )
        session.add(course)
        session.add(
            Agreement(
                student_id=s1.id,
                term_id=terms[0].id,
                agreement_version="v1",
                signed_by_id=users["parent-1"].id,
                signed_at=now,
            )
        )
        session.add(
            Insurance(
                student_id=s1.id,
                insurer="人保",
                policy_number="P-1",
                valid_from=date(2026, 8, 1),
                valid_to=date(2027, 7, 31),
            )
        )
        suspension = Suspension(term_id=terms[0].id, on_date=date(2026, 10, 21), reason="运动会")
        pending = Guardianship(
            student_id=s1.id,
            user_id=users["stranger"].id,
            relation="other",
            status=BindingStatus.PENDING,
        )
        session.add_all([suspension, pending])
        await session.flush()
        application = CareApplication(
            term_id=terms[0].id,
            student_id=s1.id,
            state=ApplicationState.APPLIED,
            applied_by_id=users["parent-1"].id,
        )
        session.add(application)
        await session.flush()
        world.care_application = application.id
        # A removed seat (student 2 in course A) and a waiting one (student 1): subjects for the
        # override and waitlist routes that change nothing else in the world.
        removed = Enrollment(
            term_id=terms[0].id, student_id=s2.id, course_id=course.id, round=1,
            status=EnrollmentStatus.DISMISSED, grabbed_at=datetime.now(UTC),
        )  # fmt: skip
        waiting = WaitlistEntry(
            term_id=terms[0].id, course_id=course.id, student_id=s1.id,
            user_id=users["parent-1"].id,
        )  # fmt: skip
        feed = CalendarFeed(
            student_id=s1.id, user_id=users["parent-1"].id,
            token_hash=calendar_token_hash(world.calendar_token),
        )  # fmt: skip
        export_job = ExportJob(
            kind=ExportKind.ATTENDANCE, term_id=terms[0].id,
            requested_by_id=users["district-admin"].id, state=ExportState.DONE,
            content=b"PK", size_bytes=2, filename="2026秋-考勤汇总.xlsx",
            fallback_filename="term-attendance.xlsx", sheets_done=1, sheets_total=1,
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )  # fmt: skip
        leaving = ExitRequest(
            term_id=terms[0].id, student_id=s1.id, requested_by_id=users["parent-1"].id,
            reason="家中老人可以接送",
        )  # fmt: skip
        retired = OutsideStaff(
            school_id=school_a.id, user_id=users["stranger"].id, kind="retired_teacher",
            proposed_by_id=users["admin-a"].id,
        )  # fmt: skip
        session.add_all([removed, waiting, feed, export_job, leaving, retired])
        await session.flush()
        world.enrollment_removed, world.waitlist_entry = removed.id, waiting.id
        world.calendar_feed, world.export_job = feed.id, export_job.id
        world.exit_request, world.outside_staff = leaving.id, retired.id
        group = CareGroup(term_id=terms[0].id, number=1, grades=[3])
        publication = Publication(
            term_id=terms[0].id, kind=PublicationKind.COURSES, title="开班名单公示",
            opens_at=datetime.now(UTC) - timedelta(hours=1),
            closes_at=datetime.now(UTC) + timedelta(days=3),
            published_by_id=users["admin-a"].id, snapshot=[],
        )  # fmt: skip
        session.add_all([group, publication])
        await session.flush()
        objection = Objection(
            publication_id=publication.id, user_id=users["parent-1"].id, text="名单有误"
        )
        session.add_all(
            [
                objection,
                CareGroupMember(group_id=group.id, term_id=terms[0].id, student_id=s1.id),
            ]
        )
        await session.flush()
        world.care_group, world.publication, world.objection = (
            group.id, publication.id, objection.id,
        )  # fmt: skip
        care_session = CareSession(
            term_id=terms[0].id, care_group_id=group.id, on_date=date(2026, 11, 23),
            grades=group.grades, starts_at=datetime(2026, 11, 23, 7, 5, tzinfo=UTC),
            ends_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        )  # fmt: skip
        leave = LeaveRequest(
            term_id=terms[0].id, student_id=s1.id, first_day=date(2027, 1, 4),
            last_day=date(2027, 1, 5), reason="看病", requested_by_id=users["parent-1"].id,
        )  # fmt: skip
        step = PolicyStep(
            term_id=terms[0].id, student_id=s1.id, action=PolicyAction.DISMISSAL_PROPOSED,
            place="", count=4,
        )  # fmt: skip
        feedback = Feedback(
            school_id=school_a.id, author_id=users["parent-1"].id, student_id=s1.id,
            body="希望增加阅读时间",
        )  # fmt: skip
        session.add_all([care_session, leave, step, feedback])
        await session.flush()
        world.care_session, world.leave_request = care_session.id, leave.id
        world.dismissal_step, world.feedback = step.id, feedback.id
        world.suspension_a, world.pending_binding = suspension.id, pending.id
        world.care_grant_a = care_grant.id
        world.district_id, world.other_district_id = district.id, other.id
        world.school_a, world.school_b = school_a.id, school_b.id
        world.class_a301, world.class_a302, world.class_b101 = a301.id, a302.id, b101.id
        world.student_1, world.student_2, world.student_b = s1.id, s2.id, sb.id
        world.term_a, world.term_b = terms[0].id, terms[1].id
        world.course_a = course.id
        world.users = {login: user.id for login, user in users.items()}
    return world


async def sign_in_everyone(client: httpx.AsyncClient, world: World) -> World:
    for login in LOGINS:
        response = await client.post("/api/v1/auth/dingtalk", json={"auth_code": f"dev:{login}"})
        assert response.status_code == 200, response.text
        world.tokens[login] = response.json()["access_token"]
        world.refresh_tokens[login] = response.json()["refresh_token"]
    return world
