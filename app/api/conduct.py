"""Conduct incidents (违纪记录): recorded by teachers on a session, counted toward dismissal."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import WRITE_ERRORS, problem_responses
from app.api.schemas.attendance import StepOut
from app.api.schemas.base import CareSessionId
from app.api.schemas.conduct import IncidentIn, IncidentOut, IncidentRecordedOut
from app.services import conduct

router = APIRouter(prefix=API_PREFIX, tags=["attendance"])


@router.post(
    "/sessions/{session_id}/conduct-incidents",
    operation_id="recordConductIncident",
    summary="Record a conduct incident · 违纪记录",
    description=(
        "A teacher records that a child of the session kept disrupting the group (篇十: 多次由于"
        "个人行为习惯未能适应群体性管理而影响他人), on the session's day or after; one per session "
        "and child (409). At the term's `conduct_limit` (3) the family is warned; one more "
        "proposes a dismissal to the school's administrators, decided at "
        "`POST /policy-steps/{id}/decision`. School care and course teachers and "
        "administrators.\n\n"
        "教师记录学生影响集体的行为;达到学期上限提醒家长,再次发生提请学校决定是否劝退。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=IncidentRecordedOut,
    responses=WRITE_ERRORS,
)
async def record_incident(
    care_session_id: CareSessionId, body: IncidentIn, session: SessionDep, actor: CurrentUser
) -> IncidentRecordedOut:
    recorded = await conduct.record_incident(
        session, actor.principal, care_session_id, body.student_id, body.note
    )
    return IncidentRecordedOut(
        **IncidentOut.model_validate(recorded.incident).model_dump(),
        policy_steps=[StepOut.model_validate(step) for step in recorded.steps],
    )


@router.get(
    "/sessions/{session_id}/conduct-incidents",
    operation_id="listConductIncidents",
    summary="A session's conduct incidents · 本课次违纪记录",
    description="For those who take the session's roll call. 点名教师与管理员可见。",
    response_model=list[IncidentOut],
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def list_incidents(
    care_session_id: CareSessionId, session: SessionDep, actor: CurrentUser
) -> list[IncidentOut]:
    rows = await conduct.of_session(session, actor.principal, care_session_id)
    return [IncidentOut.model_validate(r) for r in rows]
