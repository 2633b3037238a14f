"""Publication (公示): the school publishes the opened courses with their rosters, or the
basic-care groups, for a period; families see classes and masked names and may object; staff see
everything and answer objections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import Conflict, NotYourChild, PermissionDenied, RuleViolation
from app.domain.publication import Period, mask_name, publication_period
from app.domain.schedule import care_group_name
from app.domain.statuses import CourseStatus, EnrollmentStatus
from app.models import (
    Course,
    Enrollment,
    Objection,
    Publication,
    PublicationKind,
    SchoolClass,
    Student,
)
from app.notify.outbox import NewNotice, enqueue
from app.services.care_groups import list_groups
from app.services.common import (
    Reach,
    get_or_404,
    term_in_reach,
)


def period_of(publication: Publication) -> Period:
    return Period(publication.opens_at, publication.closes_at)


def _student(student_id: int, name: str, grade: int, number: int) -> dict[str, Any]:
    return {"student_id": student_id, "name": name, "class_name": f"{grade}年级{number}班"}


async def _courses_snapshot(session: AsyncSession, term_id: int) -> list[dict[str, Any]]:
    courses = list(
        await session.scalars(
            select(Course)
            .where(Course.term_id == term_id, Course.status == CourseStatus.CONFIRMED)
            .order_by(Course.id)
        )
    )
    rows = await session.execute(
        select(Enrollment.course_id, Student.id, Student.name, SchoolClass.grade,
               SchoolClass.number)
        .join(Student, Student.id == Enrollment.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(Enrollment.term_id == term_id, Enrollment.status == EnrollmentStatus.CONFIRMED)
        .order_by(SchoolClass.grade, SchoolClass.number, Student.id)
    )  # fmt: skip
    rosters: dict[int, list[dict[str, Any]]] = {c.id: [] for c in courses}
    for course_id, student_id, name, grade, number in rows:
        if course_id in rosters:
            rosters[course_id].append(_student(student_id, name, grade, number))
    return [
        {"id": c.id, "name": c.name, "room": c.room, "students": rosters[c.id]} for c in courses
    ]


async def publish(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    kind: PublicationKind,
    title: str,
    days: int,
) -> Publication:
    await term_in_reach(session, principal, term_id, Reach.ADMIN)
    if kind is PublicationKind.COURSES:
        snapshot = await _courses_snapshot(session, term_id)
    else:
        snapshot = [
            {
                "id": view.group.id,
                "name": care_group_name(view.group.period, view.group.number),
                "grades": view.group.grades,
                "students": [_student(*member) for member in view.members],
            }
            for view in await list_groups(session, principal, term_id)
        ]
    if not snapshot:
        raise RuleViolation(f"nothing to publish: no {kind.value.replace('_', ' ')} yet")
    try:
        period = publication_period(datetime.now(UTC), days)
    except ValueError as error:
        raise RuleViolation(str(error)) from error
    publication = Publication(
        term_id=term_id, kind=kind, title=title, opens_at=period.opens_at,
        closes_at=period.closes_at, published_by_id=principal.user_id, snapshot=snapshot,
    )  # fmt: skip
    session.add(publication)
    await session.flush()
    return publication


async def _readable(
    session: AsyncSession, principal: Principal, publication_id: int
) -> tuple[Publication, bool]:
    """The publication and whether the caller sees it as staff. Families see it only while it
    is up."""
    publication = await get_or_404(session, Publication, publication_id, "publication")
    scope = (await term_in_reach(session, principal, publication.term_id, Reach.READER)).scope
    staff = principal.is_staff_of(scope)
    if not staff and not period_of(publication).is_open(datetime.now(UTC)):
        raise PermissionDenied("this publication is not up")
    return publication, staff


def as_seen(publication: Publication, staff: bool) -> list[dict[str, Any]]:
    """The published lists; for families with masked names and no ids."""
    if staff:
        return publication.snapshot
    return [
        {
            **{k: v for k, v in item.items() if k != "students"},
            "students": [
                {"name": mask_name(s["name"]), "class_name": s["class_name"]}
                for s in item["students"]
            ],
        }
        for item in publication.snapshot
    ]


async def get_publication(
    session: AsyncSession, principal: Principal, publication_id: int
) -> tuple[Publication, list[dict[str, Any]]]:
    publication, staff = await _readable(session, principal, publication_id)
    return publication, as_seen(publication, staff)


async def list_publications(
    session: AsyncSession, principal: Principal, term_id: int
) -> Sequence[Publication]:
    scope = (await term_in_reach(session, principal, term_id, Reach.READER)).scope
    statement = select(Publication).where(Publication.term_id == term_id)
    publications = (await session.scalars(statement.order_by(Publication.id.desc()))).all()
    if principal.is_staff_of(scope):
        return publications
    # Families see the ones up now, decided by the domain's Period: a term has a handful of
    # publications, so filtering them here costs nothing and keeps one definition of "up".
    now = datetime.now(UTC)
    return [p for p in publications if period_of(p).is_open(now)]


async def object_to(
    session: AsyncSession,
    principal: Principal,
    publication_id: int,
    text: str,
    student_id: int | None,
) -> Objection:
    publication, staff = await _readable(session, principal, publication_id)
    if datetime.now(UTC) >= publication.closes_at:
        raise Conflict("the publication period is over")
    if student_id is not None and not staff and not principal.acts_for(student_id):
        raise NotYourChild()
    objection = Objection(
        publication_id=publication.id, user_id=principal.user_id, student_id=student_id,
        text=text,
    )  # fmt: skip
    session.add(objection)
    await session.flush()
    return objection


async def objections(
    session: AsyncSession, principal: Principal, publication_id: int
) -> Sequence[Objection]:
    publication = await get_or_404(session, Publication, publication_id, "publication")
    await term_in_reach(session, principal, publication.term_id, Reach.STAFF)
    rows = await session.scalars(
        select(Objection).where(Objection.publication_id == publication_id).order_by(Objection.id)
    )
    return rows.all()


async def answer(
    session: AsyncSession, principal: Principal, objection_id: int, text: str
) -> Objection:
    objection = await get_or_404(session, Objection, objection_id, "objection")
    publication = await get_or_404(session, Publication, objection.publication_id, "publication")
    await term_in_reach(session, principal, publication.term_id, Reach.ADMIN)
    if objection.answer is not None:
        raise Conflict("the objection was answered already")
    objection.answer = text
    objection.answered_by_id = principal.user_id
    objection.answered_at = datetime.now(UTC)
    await enqueue(
        session,
        [
            NewNotice(
                user_id=objection.user_id,
                kind="objection_answered",
                title="公示异议已答复",
                body=f"您对「{publication.title}」提出的异议，学校已答复：{text}",
                dedupe_key=f"objection-answered:{objection.id}",
            )
        ],
    )
    await session.flush()
    return objection
