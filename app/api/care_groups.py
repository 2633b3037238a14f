"""Basic care after the applications: places by priority, and the groups (编班)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.care_groups import AllocationOut, AssignIn, GroupOut, groups_out
from app.domain.schedule import Period
from app.services import care_groups

router = APIRouter(prefix=API_PREFIX, tags=["basic care"])

PERIOD_QUERY = Query(
    default=Period.AFTER_SCHOOL,
    description="after_school (课后托管) or midday (午托): each period has its own places and groups",
)


@router.post(
    "/terms/{term_id}/care-allocation",
    operation_id="allocateCarePlaces",
    summary="Allocate basic-care places by priority · 按优先保障分配名额",
    description=(
        "When the term limits basic-care places, approve the class-approved applications in "
        "priority order (children of migrant workers, single-parent, left-behind and low-income "
        "families first, then lower grades, then order of application) and refuse the rest, "
        "each with the reason logged. `preview=true` changes nothing.\n\n"
        "名额不足时,按优先保障顺序(随迁子女、单亲、留守、困难家庭,其次低年级,再按申请先后)批准"
        "已通过班级审核的申请,其余拒绝并记录原因。`preview=true` 仅预览。"
    ),
    response_model=AllocationOut,
    responses=problem_responses(401, 403, 404, 422),
)
async def allocate(
    term_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    preview: bool = Query(default=False, description="Only show what would happen · 预览"),
    period: Period = PERIOD_QUERY,
) -> AllocationOut:
    result = await care_groups.allocate_places(session, actor.principal, term_id, period, preview)
    return AllocationOut.model_validate(result)


@router.post(
    "/terms/{term_id}/care-groups",
    operation_id="formCareGroups",
    summary="Form the basic-care groups · 编班",
    description=(
        "Groups the approved students: a class with 30 or more forms its own group; the rest "
        "merge within the grade, then with an adjacent grade; no group above the term's limit; "
        "as few groups as possible. Replaces earlier groups of the term's period (`period`, "
        "after_school by default; midday for midday care) and keeps the other period's.\n\n"
        "30 人及以上的班级单独成组;不足的同年级合并,再与相邻年级合并;每组不超过上限,组数尽量少。"
        "重新编班会替换该时段(课后或午托)原有分组,另一时段不变。"
    ),
    response_model=list[GroupOut],
    responses=problem_responses(401, 403, 404, 422),
)
async def form(
    term_id: RowId, session: SessionDep, actor: CurrentUser, period: Period = PERIOD_QUERY
) -> list[GroupOut]:
    return groups_out(await care_groups.form_groups(session, actor.principal, term_id, period))


@router.get(
    "/terms/{term_id}/care-groups",
    operation_id="listCareGroups",
    summary="The basic-care groups · 基础托管分组",
    description="With full names, for the school's staff. 仅限本校教职工。",
    response_model=list[GroupOut],
    responses=problem_responses(401, 403, 404),
)
async def list_groups(term_id: RowId, session: SessionDep, actor: CurrentUser) -> list[GroupOut]:
    return groups_out(await care_groups.list_groups(session, actor.principal, term_id))


@router.post(
    "/care-groups/{group_id}/members",
    operation_id="assignToCareGroup",
    summary="Move a student into a group · 手动调整分组",
    description=(
        "Moves a grouped student into this group. The size limit holds and a group never spans "
        "grades that are not adjacent; the reason goes to the audit log. An emptied group goes.\n\n"
        "将学生调入此组;人数上限与相邻年级规则仍然适用,原因记入审计日志。"
    ),
    response_model=list[GroupOut],
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def assign(
    group_id: RowId, body: AssignIn, session: SessionDep, actor: CurrentUser
) -> list[GroupOut]:
    views = await care_groups.assign(
        session, actor.principal, group_id, body.student_id, body.reason
    )
    return groups_out(views)
