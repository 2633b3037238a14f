"""Leave requests (请假) and the attendance policies' steps."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.attendance import PolicyAction
from app.domain.statuses import LeaveState
from app.services import leave, policies

router = APIRouter(tags=["leave"])

READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


class LeaveIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "term_id": 1,
                    "first_day": "2026-03-05",
                    "last_day": "2026-03-06",
                    "reason": "去医院复查",
                }
            ]
        },
    )

    term_id: RowId = Field(ge=1)
    first_day: date
    last_day: date
    reason: str = Field(min_length=1, max_length=500)


class DecisionIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"approve": True, "note": ""}]}
    )

    approve: bool
    note: str = Field(default="", max_length=500)


class LeaveOut(ResponseBody):
    id: int
    term_id: RowId
    student_id: RowId
    first_day: date
    last_day: date
    reason: str
    state: LeaveState = Field(description="pending / approved / refused / withdrawn")
    decided_at: SchoolTime | None
    decision_note: str
    created_at: SchoolTime


class DismissalDecisionIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"dismiss": True, "reason": "本学期 5 次延迟接回"}]},
    )

    dismiss: bool
    reason: str = Field(min_length=1, max_length=500)


class PolicyStepOut(ResponseBody):
    id: int
    term_id: RowId
    student_id: RowId
    action: PolicyAction
    place: str = Field(description='"course:<id>", "care" or "" (the student as a whole)')
    count: int
    decision: str | None = Field(description="For a proposed dismissal: dismissed / kept")
    decided_at: SchoolTime | None
    decision_reason: str
    created_at: SchoolTime


@router.post(
    "/students/{student_id}/leave-requests",
    operation_id="requestLeave",
    summary="Ask for leave · 请假申请",
    description=(
        "In writing and in advance: the first day is today at the earliest. The class teacher "
        "decides; approved leave excuses the sessions it covers (personal leave is not refunded)."
        "\n\n书面提前申请(最早为当天),由班主任审批;批准后相应课次记为请假(事假不退费)。"
    ),
    status_code=201,
    response_model=LeaveOut,
    responses=WRITE_ERRORS,
)
async def ask(
    student_id: RowId, body: LeaveIn, session: SessionDep, actor: CurrentUser
) -> LeaveOut:
    row = await leave.ask(
        session, actor.principal, student_id, body.term_id, body.first_day, body.last_day,
        body.reason,
    )  # fmt: skip
    return LeaveOut.model_validate(row)


@router.get(
    "/students/{student_id}/leave-requests",
    operation_id="listStudentLeave",
    summary="A student's leave requests · 学生请假记录",
    description=(
        "A student's leave requests and their decisions, for the child's guardians and "
        "teachers.\n\n学生的请假记录及审批结果。"
    ),
    response_model=list[LeaveOut],
    responses=READ_ERRORS,
)
async def of_student(student_id: RowId, session: SessionDep, actor: CurrentUser) -> list[LeaveOut]:
    rows = await leave.of_student(session, actor.principal, student_id)
    return [LeaveOut.model_validate(r) for r in rows]


@router.get(
    "/classes/{class_id}/leave-requests",
    operation_id="listClassLeave",
    summary="A class's leave requests · 班级请假审批列表",
    description="For the class teacher and the school's administrators. 班主任与学校管理员可见。",
    response_model=list[LeaveOut],
    responses=READ_ERRORS,
)
async def of_class(
    class_id: RowId, session: SessionDep, actor: CurrentUser, state: LeaveState | None = None
) -> list[LeaveOut]:
    rows = await leave.of_class(session, actor.principal, class_id, state)
    return [LeaveOut.model_validate(r) for r in rows]


@router.post(
    "/leave-requests/{leave_id}/decision",
    operation_id="decideLeave",
    summary="Approve or refuse leave · 审批请假",
    description="The class teacher's decision; the family is notified. 班主任审批,通知家长。",
    response_model=LeaveOut,
    responses=WRITE_ERRORS,
)
async def decide(
    leave_id: RowId, body: DecisionIn, session: SessionDep, actor: CurrentUser
) -> LeaveOut:
    row = await leave.decide(session, actor.principal, leave_id, body.approve, body.note)
    return LeaveOut.model_validate(row)


@router.post(
    "/leave-requests/{leave_id}/withdraw",
    operation_id="withdrawLeave",
    summary="Withdraw a leave request · 撤回请假",
    description=(
        "A guardian withdraws a leave request that has not been decided.\n\n家长撤回尚未审批的"
        "请假申请。"
    ),
    response_model=LeaveOut,
    responses=WRITE_ERRORS,
)
async def withdraw(leave_id: RowId, session: SessionDep, actor: CurrentUser) -> LeaveOut:
    return LeaveOut.model_validate(await leave.withdraw(session, actor.principal, leave_id))


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
