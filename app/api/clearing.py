"""Clearing the school at the end of the day (清校) and the duty report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import WRITE_ERRORS, problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.clearing import ClearingIn, ClearingOut, ClearingSummary, DutyDayOut
from app.services import clearing

router = APIRouter(prefix=API_PREFIX, tags=["workload and feedback"])


@router.post(
    "/schools/{school_id}/clearing-checks",
    operation_id="recordClearing",
    summary="Record the day's clearing check · 清校登记",
    description=(
        "At the end of the day the duty leader (or an administrator) records that every group "
        "was dismissed and every room checked; what was found otherwise goes in `note` "
        "(required then). One a day (409 when recorded), never ahead of the day (422).\n\n"
        "值日领导放学后清校登记:各组学生均已离校、各教室已检查;否则须说明情况。每天一次。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ClearingOut,
    responses=WRITE_ERRORS,
)
async def record_clearing(
    school_id: RowId, body: ClearingIn, session: SessionDep, actor: CurrentUser
) -> ClearingOut:
    check = await clearing.record_clearing(
        session, actor.principal, school_id, body.on_date, body.all_groups_dismissed,
        body.rooms_checked, body.note,
    )  # fmt: skip
    return ClearingOut.model_validate(check)


@router.get(
    "/schools/{school_id}/duty-report",
    operation_id="dutyReport",
    summary="The duty report · 值日报告",
    description=(
        "Each day from `from` to `to` (at most 400 days) that the school held care, with its "
        "patrol records and its clearing check; a day of care up to today with no clearing "
        "check says `clearing_missing`. School administrators.\n\n"
        "指定期间每个托管日的巡查记录与清校登记;未清校登记的日期标明 `clearing_missing`。限学校管理员。"
    ),
    response_model=list[DutyDayOut],
    responses=problem_responses(401, 403, 404, 422),
)
async def duty_report(
    school_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    first: Annotated[date, Query(alias="from")],
    last: Annotated[date, Query(alias="to")],
) -> list[DutyDayOut]:
    days = await clearing.duty_report(session, actor.principal, school_id, first, last)
    return [
        DutyDayOut(
            on_date=day.on_date,
            patrols=day.patrols,
            clearing=None
            if day.clearing is None
            else ClearingSummary(
                checked_by=day.clearing.checked_by,
                all_groups_dismissed=day.clearing.all_groups_dismissed,
                rooms_checked=day.clearing.rooms_checked,
                clear=day.clearing.clear,
                note=day.clearing.note,
            ),
            clearing_missing=day.clearing_missing,
        )
        for day in days
    ]
