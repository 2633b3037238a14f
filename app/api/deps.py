"""Dependencies shared by the routers, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Annotated

import structlog
from fastapi import BackgroundTasks, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import AuthenticationFailed
from app.grab.arming import arm_term, refresh_student
from app.models import User
from app.resources import Resources
from app.services.identity import load_principal
from app.settings import Settings

log = structlog.get_logger("app.grab")


async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_session(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request. It commits when the route returns and before the answer is
    sent (`scope="function"` below), so a 201 is only ever sent for committed work, and a failed
    commit becomes an error answer rather than a lie."""
    async with resources.sessionmaker() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_redis(resources: ResourcesDep) -> Redis:
    return resources.redis


RedisDep = Annotated[Redis, Depends(get_redis)]


async def get_settings(resources: ResourcesDep) -> Settings:
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="Kehou access token from POST /auth/dingtalk")


@dataclass(frozen=True)
class Actor:
    """The signed-in user and what they may do, rebuilt from the database for this request."""

    user: User
    principal: Principal


async def get_current_user(
    resources: ResourcesDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise AuthenticationFailed("sign in first: send `Authorization: Bearer <access token>`")
    user_id = resources.signer.user_id(credentials.credentials)
    user, principal = await load_principal(session, user_id)
    return Actor(user, principal)


CurrentUser = Annotated[Actor, Depends(get_current_user)]


async def get_current_user_id(
    resources: ResourcesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> int:
    """The caller's user id from the access token alone, for the grab's hot path: the grab
    checks the caller's binding to the student itself, in the same query as the term."""
    if credentials is None:
        raise AuthenticationFailed("sign in first: send `Authorization: Bearer <access token>`")
    return resources.signer.user_id(credentials.credentials)


CurrentUserId = Annotated[int, Depends(get_current_user_id)]


async def _rearm_if_armed(resources: Resources, term_id: int) -> None:
    if await resources.engine.is_armed(term_id):
        await arm_term(resources.sessionmaker, resources.engine, term_id)


async def _release_seats(
    resources: Resources, term_id: int, seats: Sequence[tuple[int, int]]
) -> None:
    try:
        for student_id, course_id in seats:
            await resources.engine.release(term_id, student_id, course_id)
    except RedisError as error:
        # The engine is behind by these seats until the next re-arm or reconciler audit.
        log.warning("engine_release_failed", term_id=term_id, error_type=type(error).__name__)


@dataclass(frozen=True)
class EngineSync:
    """Brings the seat engine back in line with Postgres after a change made outside the grab
    (an override, a reopened course, a new binding or agreement during the window). Background
    tasks run after the answer, hence after the request's commit: the engine follows what was
    committed."""

    background: BackgroundTasks
    resources: Resources

    def after_commit(self, term_id: int) -> None:
        self.background.add_task(_rearm_if_armed, self.resources, term_id)

    def seats_released(self, term_id: int, seats: Sequence[tuple[int, int]]) -> None:
        """Seats given back in Postgres (a place given up, a dismissal): each goes back on offer
        in the engine with one atomic release, if the engine holds the term (a release of a
        seat the engine does not know changes nothing), without re-arming the term."""
        if seats:
            self.background.add_task(_release_seats, self.resources, term_id, seats)

    def student_changed(self, student_id: int) -> None:
        """A binding, an agreement or insurance changed what the engine knows of a student."""
        resources = self.resources
        self.background.add_task(
            refresh_student, resources.sessionmaker, resources.engine, student_id
        )


async def get_engine_sync(background: BackgroundTasks, resources: ResourcesDep) -> EngineSync:
    return EngineSync(background, resources)


EngineSyncDep = Annotated[EngineSync, Depends(get_engine_sync)]
