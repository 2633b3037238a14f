"""Leave requests (请假): asked by a parent, decided by the class teacher."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS
from app.api.schemas.base import RowId
from app.api.schemas.leave import DecisionIn, LeaveIn, LeaveOut
from app.domain.statuses import LeaveState
from app.services import leave

router = APIRouter(prefix=API_PREFIX, tags=["leave"])


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
