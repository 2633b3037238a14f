"""Calendar feeds: a secret, revocable address per child that a phone's calendar subscribes to
(a subscription cannot sign in, so the address is the key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.calendar_feeds import CalendarFeedOut, NewCalendarFeedOut
from app.models import CalendarFeed
from app.services import calendar_feeds

router = APIRouter(tags=["sessions"])
FEED_PATH = "/calendar/{token}.ics"


def _out(feed: CalendarFeed) -> CalendarFeedOut:
    return CalendarFeedOut(
        id=feed.id,
        student_id=feed.student_id,
        created_at=feed.created_at,
        revoked=feed.revoked_at is not None,
    )


@router.post(
    f"{API_PREFIX}/students/{{student_id}}/calendar-feeds",
    operation_id="createCalendarFeed",
    status_code=status.HTTP_201_CREATED,
    summary="A calendar address to subscribe to · 生成日历订阅地址",
    description=(
        "A secret address of the child's sessions for a phone's calendar (iOS, Android, "
        "DingTalk): open `webcal_url` on the phone, or add `url` as a subscription. Events carry "
        "the room and the teacher, cancelled sessions are marked, times are Asia/Shanghai. The "
        "address is shown once; revoke it when a phone is lost. For the child's guardians.\n\n"
        "生成孩子课表的日历订阅地址(仅显示一次):在手机上打开 `webcal_url`,或将 `url` 添加为日历"
        "订阅。含上课地点与教师,停课标记为取消。手机遗失时请撤销。仅限监护人。"
    ),
    responses=problem_responses(401, 403, 404),
)
async def create_feed(
    student_id: RowId, request: Request, session: SessionDep, actor: CurrentUser
) -> NewCalendarFeedOut:
    made = await calendar_feeds.create_feed(session, actor.principal, student_id)
    url = str(request.url_for("calendar_feed_by_token", token=made.token))
    return NewCalendarFeedOut(
        **_out(made.feed).model_dump(),
        url=url,
        webcal_url="webcal://" + url.split("://", 1)[1],
    )


@router.get(
    f"{API_PREFIX}/students/{{student_id}}/calendar-feeds",
    operation_id="listCalendarFeeds",
    summary="The child's calendar addresses · 日历订阅地址列表",
    description="Made and revoked, without their secret. 已生成与已撤销的订阅(不含地址)。",
    responses=problem_responses(401, 403, 404),
)
async def list_feeds(
    student_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[CalendarFeedOut]:
    return [
        _out(feed) for feed in await calendar_feeds.feeds_of(session, actor.principal, student_id)
    ]


@router.delete(
    f"{API_PREFIX}/calendar-feeds/{{feed_id}}",
    operation_id="revokeCalendarFeed",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a calendar address · 撤销日历订阅",
    description=(
        "The address stops answering at once (404); the phone's calendar keeps what it last "
        "fetched until it refreshes. 撤销后该地址立即失效。"
    ),
    responses=problem_responses(401, 403, 404),
)
async def revoke_feed(feed_id: RowId, session: SessionDep, actor: CurrentUser) -> Response:
    await calendar_feeds.revoke_feed(session, actor.principal, feed_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    FEED_PATH,
    name="calendar_feed_by_token",
    operation_id="getCalendarFeedByToken",
    summary="A subscribed calendar · 订阅的课表日历",
    description=(
        "What a phone's calendar fetches: the child's sessions as iCalendar, no sign-in (the "
        "address is the key). 404 for an address never made, or revoked.\n\n"
        "手机日历拉取的课表(无需登录,地址即凭证);地址不存在或已撤销时返回 404。"
    ),
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "The calendar"},
        **problem_responses(404),
    },
)
async def calendar_feed_by_token(
    token: Annotated[str, Path(max_length=200)],
    session: SessionDep,
) -> Response:
    body = await calendar_feeds.feed_calendar(session, token)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"},
    )
