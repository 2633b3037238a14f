"""The steps the attendance policies took for a student, and the school's decision on a
proposed dismissal (劝退)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS
from app.api.schemas.base import RowId
from app.api.schemas.policies import DismissalDecisionIn, PolicyStepOut
from app.domain.attendance import PolicyAction
from app.services import policies

router = APIRouter(prefix=API_PREFIX, tags=["leave"])


@router.get(
    "/terms/{term_id}/policy-steps",
    operation_id="listPolicySteps",
    summary="Attendance-policy steps · 考勤规定处理记录",
    description=(
        "Warnings, places given up (视作自动放弃) and proposed dismissals (劝退), for the "
        "school's staff.\n\n缺勤/延迟接回提醒、视作自动放弃及劝退建议,仅限本校教职工。"
    ),
    response_model=list[PolicyStepOut],
    responses=READ_ERRORS,
)
async def steps(
    term_id: RowId, session: SessionDep, actor: CurrentUser, action: PolicyAction | None = None
) -> list[PolicyStepOut]:
    rows = await policies.list_steps(session, actor.principal, term_id, action)
    return [PolicyStepOut.model_validate(r) for r in rows]


@router.post(
    "/policy-steps/{step_id}/decision",
    operation_id="decideDismissal",
    summary="Decide a proposed dismissal · 处理劝退建议",
    description=(
        "The school's administrator dismisses the student (every seat and the care place of "
        "the term end; sessions not held are refunded; the family is notified) or keeps them, "
        "with a reason in the audit log.\n\n学校管理员决定劝退(本学期名额终止,未上课时退费,"
        "通知家长)或保留,原因记入审计日志。"
    ),
    response_model=PolicyStepOut,
    responses=WRITE_ERRORS,
)
async def decide_dismissal(
    step_id: RowId,
    body: DismissalDecisionIn,
    session: SessionDep,
    actor: CurrentUser,
) -> PolicyStepOut:
    step = await policies.decide_dismissal(
        session, actor.principal, step_id, body.dismiss, body.reason
    )
    return PolicyStepOut.model_validate(step)
