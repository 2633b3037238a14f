"""Dependencies shared by the routers, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import AuthenticationFailed
from app.identity.accounts import load_principal, load_reader
from app.models import User
from app.resources import Resources
from app.services.read_cache import READERS, reader_key
from app.settings import Settings


async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_session(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request. It commits when the route returns and before the answer is
    sent (`scope="function"` below), so a 201 is only ever sent for committed work, and a failed
    commit becomes an error answer rather than a lie. After the commit, still before the answer,
    the seat engine learns what the transaction changed (app/grab/sync.py)."""
    async with resources.engine_sync.transaction() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_redis(resources: ResourcesDep) -> Redis:
    return resources.redis


RedisDep = Annotated[Redis, Depends(get_redis)]


async def get_settings(resources: ResourcesDep) -> Settings:
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="Kehou access token from POST /auth/dingtalk")
# The Authorization header, if sent: for a route that also takes another proof (a stream ticket).
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class Actor:
    """The signed-in user and what they may do, rebuilt from the database for this request."""

    user: User
    principal: Principal


async def get_current_user(
    resources: ResourcesDep, session: SessionDep, credentials: BearerCredentials
) -> Actor:
    if credentials is None:
        raise AuthenticationFailed("sign in first: send `Authorization: Bearer <access token>`")
    user_id = resources.signer.user_id(credentials.credentials)
    user, principal = await load_principal(session, user_id)
    return Actor(user, principal)


CurrentUser = Annotated[Actor, Depends(get_current_user)]

# How long a process answers the reads every family repeats (the course list, the seat counts)
# for a caller it has looked up: a family refreshes every few seconds for minutes before the
# opening. A revoked binding or role stops reading within this; a change to a student or a class
# this process commits, at once.
READER_TTL_S = 30.0


async def get_reader(
    resources: ResourcesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """What the caller may read, for the reads the opening hammers: from the process's read cache
    when this caller was looked up in the last `READER_TTL_S`. Never for a write."""
    if credentials is None:
        raise AuthenticationFailed("sign in first: send `Authorization: Bearer <access token>`")
    user_id = resources.signer.user_id(credentials.credentials)

    async def load(session: AsyncSession) -> Principal:
        return await load_reader(session, user_id)

    principal: Principal = await resources.reads.get_or_query(
        reader_key(user_id), READER_TTL_S, load, (READERS,)
    )
    return principal


CachedReader = Annotated[Principal, Depends(get_reader)]


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
