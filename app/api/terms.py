"""Terms: the registration window, the timetable by grade, suspension days and the calendar."""

from __future__ import annotations

from fastapi import APIRouter, Path, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS
from app.api.schemas.base import Page, RowId
from app.api.schemas.terms import (
    CalendarOut,
    GradeScheduleIn,
    GradeScheduleOut,
    MiddayWindowIn,
    MiddayWindowOut,
    SuspensionIn,
    SuspensionOut,
    TermDetail,
    TermIn,
    TermOut,
    TermUpdate,
)
from app.domain.schedule import GradeRule, MiddayWindow
from app.models import Term
from app.persistence.calendar import grade_rules, midday_window
from app.services import terms

router = APIRouter(prefix=API_PREFIX, tags=["terms"])


def _schedule_out(rule: GradeRule) -> GradeScheduleOut:
    return GradeScheduleOut(
        grade=rule.grade,
        start_time=rule.start,
        end_time=rule.end,
        summer_end_time=rule.summer_end,
        weekdays=sorted(rule.weekdays),
    )


def _midday_out(window: MiddayWindow | None) -> MiddayWindowOut | None:
    if window is None:
        return None
    return MiddayWindowOut(
        start_time=window.start, end_time=window.end, summer_end_time=window.summer_end
    )


async def _detail(session: SessionDep, term: Term) -> TermDetail:
    rules = await grade_rules(session, term.id)
    return TermDetail(
        **TermOut.model_validate(term).model_dump(),
        grade_schedules=[_schedule_out(rules[grade]) for grade in sorted(rules)],
        midday_window=_midday_out(midday_window(term)),
    )


@router.get(
    "/schools/{school_id}/terms",
    operation_id="listTerms",
    summary="Terms of a school · 学期列表",
    description="The school's terms, newest first, for its staff and families.\n\n本校学期列表。",
    response_model=Page[TermOut],
    responses=READ_ERRORS,
)
async def list_terms(
    school_id: RowId, session: SessionDep, actor: CurrentUser, paging: PageDep
) -> Page[TermOut]:
    rows, total = await terms.list_terms(
        session, actor.principal, school_id, paging.page, paging.size
    )
    return Page(
        items=[TermOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        size=paging.size,
    )


@router.post(
    "/schools/{school_id}/terms",
    operation_id="createTerm",
    summary="Create a term · 新建学期",
    description=(
        "A term with its registration window: 24 hours from `opens_at` unless `closes_at` says "
        "otherwise; the grab opens with the window unless `grab_opens_at` is set; round two "
        "follows the window and lasts as long. The timetable starts from the defaults "
        "(grades 1–2 15:05 Mon/Wed/Fri, 3–4 15:50, 5–6 16:00; end 17:30, summer 18:00).\n\n"
        "新建学期及报名窗口:默认开放 24 小时;拓展课抢课默认与报名同时开始;第二轮报名紧随其后、时长相同。"
        "作息默认:一二年级 15:05(周一、三、五),三四年级 15:50,五六年级 16:00,17:30 结束(夏令时 18:00)。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=TermDetail,
    responses=WRITE_ERRORS,
)
async def create_term(
    school_id: RowId, body: TermIn, session: SessionDep, actor: CurrentUser
) -> TermDetail:
    term = await terms.create_term(session, actor.principal, school_id, body.model_dump())
    return await _detail(session, term)


@router.get(
    "/terms/{term_id}",
    operation_id="getTerm",
    summary="A term · 学期详情",
    description=(
        "A term with its registration window, rounds, rules and the grades' timetables.\n\n学期"
        "详情:报名时间、轮次、规则与各年级托管时间。"
    ),
    response_model=TermDetail,
    responses=READ_ERRORS,
)
async def get_term(term_id: RowId, session: SessionDep, actor: CurrentUser) -> TermDetail:
    return await _detail(session, await terms.get_term(session, actor.principal, term_id))


@router.patch(
    "/terms/{term_id}",
    operation_id="updateTerm",
    summary="Update a term · 修改学期",
    description=(
        "A school administrator changes a term's dates, window or rules. Send the `version` "
        "you read; fields left out keep their value, and only the fields shown as nullable may "
        "be cleared with `null`.\n\n学校管理员修改学期;需提交读取时的 `version`,未提交的字段保"
        "持不变,仅可为空的字段可用 `null` 清除。"
    ),
    response_model=TermDetail,
    responses=WRITE_ERRORS,
)
async def update_term(
    term_id: RowId, body: TermUpdate, session: SessionDep, actor: CurrentUser
) -> TermDetail:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    term = await terms.update_term(session, actor.principal, term_id, changes, body.version)
    return await _detail(session, term)


@router.put(
    "/terms/{term_id}/grade-schedules/{grade}",
    operation_id="setGradeSchedule",
    summary="Set a grade's timetable · 设置年级托管时间",
    description=(
        "A school administrator sets a grade's care hours and weekdays for the term. A "
        "timetable that contradicts the grade's courses is refused (422 `rule-violation`, with "
        "the courses).\n\n学校管理员设置年级托管时间与上课日;与该年级课程冲突时拒绝并列出课程。"
    ),
    response_model=GradeScheduleOut,
    responses=WRITE_ERRORS,
)
async def set_grade_schedule(
    term_id: RowId,
    grade: int = Path(ge=1, le=6),
    *,
    body: GradeScheduleIn,
    session: SessionDep,
    actor: CurrentUser,
) -> GradeScheduleOut:
    rule = await terms.set_grade_schedule(
        session,
        actor.principal,
        term_id,
        grade,
        body.start_time,
        body.end_time,
        body.summer_end_time,
        body.weekdays,
    )
    return _schedule_out(rule)


@router.put(
    "/terms/{term_id}/midday-window",
    operation_id="setMiddayWindow",
    summary="Offer midday care · 设置午托时间",
    description=(
        "A school administrator offers midday care (午托, 篇九: 11:00–13:30 on school days) in "
        "the term, or moves its window. Courses and basic care of the `midday` period meet "
        "within it, on any school day, for every grade; after-school care is unchanged. A window "
        "that would leave a midday course outside it is refused (422 `rule-violation`, with the "
        "courses), as is one that does not end (summer end included) before the earliest "
        "grade's after-school care starts. Run session generation again to move sessions to "
        "come.\n\n"
        "学校管理员开设午托或调整午托时间(篇九为 11:00–13:30),每周一至周五,各年级相同,须在课后托管"
        "开始前结束。午托课程与午托基础托管在此时间内进行;与已有午托课程冲突时拒绝并列出课程。"
        "调整后重新生成课次以更新后续课次。"
    ),
    response_model=TermDetail,
    responses=WRITE_ERRORS,
)
async def set_midday_window(
    term_id: RowId, body: MiddayWindowIn, session: SessionDep, actor: CurrentUser
) -> TermDetail:
    term = await terms.set_midday_window(session, actor.principal, term_id, body.window())
    return await _detail(session, term)


@router.delete(
    "/terms/{term_id}/midday-window",
    operation_id="clearMiddayWindow",
    summary="Stop offering midday care · 取消午托",
    description=(
        "The term no longer offers midday care. Refused while the term has a midday course, "
        "cancelled ones included (422 `rule-violation`, with the courses), or while midday basic "
        "care is applied for or grouped (409 `conflict`).\n\n"
        "取消本学期午托;仍有午托课程(含已撤班)、申请或分组时拒绝。"
    ),
    response_model=TermDetail,
    responses=WRITE_ERRORS,
)
async def clear_midday_window(
    term_id: RowId, session: SessionDep, actor: CurrentUser
) -> TermDetail:
    term = await terms.set_midday_window(session, actor.principal, term_id, None)
    return await _detail(session, term)


@router.get(
    "/terms/{term_id}/calendar",
    operation_id="getTermCalendar",
    summary="The term's calendar · 学期校历",
    description=(
        "Holidays, make-up days (调休) and suspension days inside the term.\n\n"
        "学期内的节假日、调休上课日与停课日。"
    ),
    response_model=CalendarOut,
    responses=READ_ERRORS,
)
async def get_calendar(term_id: RowId, session: SessionDep, actor: CurrentUser) -> CalendarOut:
    calendar = await terms.calendar_of(session, actor.principal, term_id)
    return CalendarOut(
        term_id=term_id,
        holidays=sorted(calendar.holidays),
        make_up_days=sorted(m.day for m in calendar.make_up_days),
        suspensions=sorted(calendar.suspensions),
    )


@router.get(
    "/terms/{term_id}/suspensions",
    operation_id="listSuspensions",
    summary="Suspension days · 停课日",
    description="The term's suspension days (停课), for its staff and families.\n\n本学期停课日。",
    response_model=list[SuspensionOut],
    responses=READ_ERRORS,
)
async def list_suspensions(
    term_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[SuspensionOut]:
    rows = await terms.list_suspensions(session, actor.principal, term_id)
    return [SuspensionOut.model_validate(r) for r in rows]


@router.post(
    "/terms/{term_id}/suspensions",
    operation_id="addSuspension",
    summary="Suspend a day · 新增停课日",
    description=(
        "A school event (outing, sports day) cancels that day's care. Sessions already generated "
        "for the day are cancelled, the families concerned are notified, and paid sessions are "
        "refunded at settlement.\n\n学校活动当天停止托管。已生成的当天课次随之取消,通知相关家长,"
        "已缴费课时在期末结算时退还。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=SuspensionOut,
    responses=WRITE_ERRORS,
)
async def add_suspension(
    term_id: RowId, body: SuspensionIn, session: SessionDep, actor: CurrentUser
) -> SuspensionOut:
    suspension = await terms.add_suspension(
        session, actor.principal, term_id, body.on_date, body.reason
    )
    return SuspensionOut.model_validate(suspension)


@router.delete(
    "/suspensions/{suspension_id}",
    operation_id="removeSuspension",
    summary="Withdraw a suspension · 撤销停课日",
    description=(
        "A school administrator withdraws a suspension day that has not yet cancelled any "
        "sessions; once it has, withdrawing it is refused (409).\n\n学校管理员撤销尚未取消课次"
        "的停课日;已取消课次的停课日不可撤销(409)。"
    ),
    status_code=status.HTTP_204_NO_CONTENT,
    responses=WRITE_ERRORS,
)
async def remove_suspension(suspension_id: RowId, session: SessionDep, actor: CurrentUser) -> None:
    await terms.remove_suspension(session, actor.principal, suspension_id)
