"""A term's rounds: arming the seat engine before the grab, the reconciler after it (撤班与开班)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import API_PREFIX
from app.api.deps import CurrentUser, ResourcesDep, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.rounds import ArmReportOut, ReconcileReportOut
from app.services.common import Reach, term_in_reach

router = APIRouter(prefix=API_PREFIX, tags=["enrollments"])


@router.post(
    "/terms/{term_id}/arm",
    operation_id="armTerm",
    summary="Arm the term · 载入抢课引擎",
    description=(
        "Load the term from the database into the seat engine now. It also happens by itself "
        "shortly before the grab opens and whenever the engine lost its state. Harmless to repeat."
        "\n\n立即将学期数据载入抢课引擎(抢课开始前会自动载入),可重复执行。"
    ),
    response_model=ArmReportOut,
    responses=problem_responses(401, 403, 404),
)
async def arm(
    term_id: RowId, session: SessionDep, actor: CurrentUser, resources: ResourcesDep
) -> ArmReportOut:
    await term_in_reach(session, actor.principal, term_id, Reach.ADMIN)
    report = await resources.engine_sync.arm(term_id)
    return ArmReportOut.model_validate(report, from_attributes=True)


@router.post(
    "/terms/{term_id}/reconcile",
    operation_id="reconcileTerm",
    summary="Run the reconciler · 撤班与开班",
    description=(
        "After a round closes: every extension course with fewer confirmed students than its minimum "
        "is cancelled (its students' enrollments become `cancelled_by_school` and they may grab in "
        "round two); the others are confirmed. Also repairs Redis from Postgres. It runs by itself "
        "when a round closes; running it again changes nothing. 409 while the window is open.\\n\\n"
        "报名结束后:不足最低开班人数的课程撤班,其学生进入第二轮报名;其余课程开班。可重复执行。"
    ),
    response_model=ReconcileReportOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def run_reconciler(
    term_id: RowId, session: SessionDep, actor: CurrentUser, resources: ResourcesDep
) -> ReconcileReportOut:
    await term_in_reach(session, actor.principal, term_id, Reach.ADMIN)
    report = await resources.engine_sync.reconcile(term_id, actor.user.id)
    return ReconcileReportOut.model_validate(report.as_json())
