"""Signing in and out, and the principal every request acts as."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    CTE,
    DateTime,
    String,
    exists,
    func,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
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


def _account(identity: ExternalIdentity) -> CTE:
    """The account behind an identity, as a CTE of its id: a development login must exist; a
    DingTalk user seen for the first time gets an account (a guardian who will bind a child
    next). The account is only created when none is found, so that signing in again spends no
    id; two first sign-ins at once create one account, the other finds none and tries again."""
    if identity.provider == "dev":
        return select(User.id).where(User.dev_login == identity.subject).cte("account")
    found = select(User.id).where(User.dingtalk_user_id == identity.subject).cte("found")
    created = (
        pg_insert(User)
        .from_select(
            [User.name, User.dingtalk_user_id],
            select(
                literal(identity.name or identity.subject, String), literal(identity.subject)
            ).where(~exists(found.select())),
        )
        .on_conflict_do_nothing(index_elements=[User.dingtalk_user_id])
        .returning(User.id)
        .cte("created")
    )
    return union_all(select(found.c.id), select(created.c.id)).cte("account")


# The mobile number an identity provider vouches for, in E.164, if it tells.
MobileLookup = Callable[[str], Awaitable[str | None]]

# The one account a school imported for this number and nobody has signed in to yet; several
# such accounts (a number typed for two families) are linked to none: never by a guess.
_LINK_IMPORTED = text(
    """
    UPDATE app_user SET dingtalk_user_id = :subject
    WHERE id IN (
        SELECT id FROM app_user
        WHERE phone = :mobile AND dingtalk_user_id IS NULL AND dev_login IS NULL
    )
    AND (
        SELECT count(*) FROM app_user
        WHERE phone = :mobile AND dingtalk_user_id IS NULL AND dev_login IS NULL
    ) = 1
    AND NOT EXISTS (SELECT 1 FROM app_user WHERE dingtalk_user_id = :subject)
    RETURNING id
    """
)


async def link_imported_guardian(
    session: AsyncSession, identity: ExternalIdentity, mobile_of: MobileLookup
) -> int | None:
    """Before a DingTalk user's first sign-in makes them an account, give them the one a school's
    roster import made for their mobile number (as DingTalk vouches for it), with the children
    bound to it. A name alone never links. The account's id when one was linked."""
    if identity.provider != "dingtalk":
        return None
    if await session.scalar(select(User.id).where(User.dingtalk_user_id == identity.subject)):
        return None  # signed in before: nothing to link, and DingTalk is not asked
    mobile = await mobile_of(identity.subject)
    if mobile is None:
        return None
    linked = await session.scalar(_LINK_IMPORTED, {"subject": identity.subject, "mobile": mobile})
    return int(linked) if linked is not None else None


async def sign_in(
    session: AsyncSession, identity: ExternalIdentity, signer: TokenSigner, refresh_ttl: timedelta
) -> TokenPair:
    """A sign-in: the identity's account found (or made) and a refresh token starting a new
    family stored, in one statement, the round trip every parent makes on the opening morning."""
    refresh = new_refresh_token()
    expires_at = datetime.now(UTC) + refresh_ttl
    for _attempt in range(2):
        account = _account(identity)
        stored = pg_insert(RefreshToken).from_select(
            [RefreshToken.user_id, RefreshToken.token_hash, RefreshToken.expires_at],
            select(
                account.c.id,
                literal(refresh_token_hash(refresh)),
                literal(expires_at, DateTime(timezone=True)),
            ).limit(1),
        )
        user_id = await session.scalar(stored.returning(RefreshToken.user_id))
        if user_id is not None:
            return TokenPair(signer.issue(user_id), refresh, int(signer.ttl.total_seconds()))
        if identity.provider == "dev":
            break
    raise AuthenticationFailed(
        "no such development login"
        if identity.provider == "dev"
        else "the account could not be made: sign in again"
    )


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
