"""Signing in and out, and the principal every request acts as."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Child, Grant, Principal, Role
from app.domain.errors import AuthenticationFailed, RefreshTokenReused
from app.domain.statuses import BindingStatus
from app.identity.providers import ExternalIdentity
from app.identity.tokens import TokenSigner, new_refresh_token, refresh_token_hash
from app.models import Guardianship, RefreshToken, RoleGrant, SchoolClass, Student, User


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


async def user_for_identity(session: AsyncSession, identity: ExternalIdentity) -> User:
    """The Kehou user behind an identity. A DingTalk user seen for the first time gets an account
    (a guardian who will bind a child next); a development login must already exist."""
    if identity.provider == "dev":
        user = await session.scalar(select(User).where(User.dev_login == identity.subject))
        if user is None:
            raise AuthenticationFailed("no such development login")
        return user
    user = await session.scalar(select(User).where(User.dingtalk_user_id == identity.subject))
    if user is None:
        user = User(name=identity.name or identity.subject, dingtalk_user_id=identity.subject)
        session.add(user)
        await session.flush()
    return user


async def issue_tokens(
    session: AsyncSession,
    user_id: int,
    signer: TokenSigner,
    refresh_ttl: timedelta,
    family_id: uuid.UUID | None = None,
) -> TokenPair:
    """A new pair; the refresh token starts a family (a sign-in) or continues `family_id`."""
    refresh = new_refresh_token()
    session.add(
        RefreshToken(
            user_id=user_id,
            family_id=family_id or uuid.uuid4(),
            token_hash=refresh_token_hash(refresh),
            expires_at=datetime.now(UTC) + refresh_ttl,
        )
    )
    await session.flush()
    return TokenPair(signer.issue(user_id), refresh, int(signer.ttl.total_seconds()))


async def rotate_refresh_token(
    session: AsyncSession, refresh: str, signer: TokenSigner, refresh_ttl: timedelta
) -> TokenPair:
    """Trade a refresh token for a new pair; the old one is revoked and cannot be used again.

    A token that was rotated already and comes again was copied: either its thief or its owner
    holds the token issued in its place, and the server cannot tell which. The whole family
    (every token descended from the same sign-in) is revoked, and both must sign in again
    (RFC 9700, section 4.14.2). The revocation is kept although the answer is a refusal:
    `RefreshTokenReused` tells the caller to commit it."""
    now = datetime.now(UTC)
    token_hash = refresh_token_hash(refresh)
    rotated = (
        await session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == token_hash,
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .values(revoked_at=now)
            .returning(RefreshToken.user_id, RefreshToken.family_id)
        )
    ).one_or_none()
    if rotated is not None:
        return await issue_tokens(session, rotated.user_id, signer, refresh_ttl, rotated.family_id)
    family = await session.scalar(
        select(RefreshToken.family_id).where(
            RefreshToken.token_hash == token_hash, RefreshToken.revoked_at.is_not(None)
        )
    )
    if family is None:
        raise AuthenticationFailed("the refresh token is invalid or expired")
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await session.flush()
    raise RefreshTokenReused()


async def load_reader(session: AsyncSession, user_id: int) -> Principal:
    """The caller's principal alone, in one round trip: what `load_principal` finds, for the reads
    every family repeats, which need no account row."""
    grants = (
        select(
            func.json_agg(
                func.json_build_array(RoleGrant.role, RoleGrant.school_id, RoleGrant.district_id)
            )
        )
        .where(RoleGrant.user_id == user_id)
        .scalar_subquery()
    )
    children = (
        select(func.json_agg(func.json_build_array(Student.id, Student.school_id)))
        .join(Guardianship, Guardianship.student_id == Student.id)
        .where(Guardianship.user_id == user_id, Guardianship.status == BindingStatus.CONFIRMED)
        .scalar_subquery()
    )
    classes = (
        select(func.array_agg(SchoolClass.id))
        .where(SchoolClass.class_teacher_id == user_id)
        .scalar_subquery()
    )
    row = (
        await session.execute(select(grants, children, classes).where(User.id == user_id))
    ).one_or_none()
    if row is None:
        raise AuthenticationFailed("the account no longer exists")
    found_grants, found_children, found_classes = row
    return Principal(
        user_id=user_id,
        grants=frozenset(
            Grant(Role(role), school_id, district_id)
            for role, school_id, district_id in found_grants or ()
        ),
        children=frozenset(Child(student, school) for student, school in found_children or ()),
        classes_taught=frozenset(found_classes or ()),
    )


async def load_principal(session: AsyncSession, user_id: int) -> tuple[User, Principal]:
    user = await session.get(User, user_id)
    if user is None:
        raise AuthenticationFailed("the account no longer exists")
    grants = await session.scalars(select(RoleGrant).where(RoleGrant.user_id == user_id))
    children = await session.execute(
        select(Student.id, Student.school_id)
        .join(Guardianship, Guardianship.student_id == Student.id)
        .where(Guardianship.user_id == user_id, Guardianship.status == BindingStatus.CONFIRMED)
    )
    classes = await session.scalars(
        select(SchoolClass.id).where(SchoolClass.class_teacher_id == user_id)
    )
    principal = Principal(
        user_id=user_id,
        grants=frozenset(Grant(g.role, g.school_id, g.district_id) for g in grants),
        children=frozenset(Child(student_id, school_id) for student_id, school_id in children),
        classes_taught=frozenset(classes),
    )
    return user, principal
