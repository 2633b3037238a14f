"""Accounts: a sign-in in one statement (one account however many sign in at once), and the
reader's principal, loaded in one round trip, is the principal of the full load."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.domain.errors import AuthenticationFailed
from app.identity.accounts import load_principal, load_reader, sign_in
from app.identity.providers import ExternalIdentity
from app.models import RefreshToken, User
from tests.support.world import World


async def test_the_reader_load_finds_what_the_full_load_finds(app: FastAPI, world: World) -> None:
    sessionmaker = app.state.resources.sessionmaker
    async with sessionmaker() as session:
        users = list(await session.scalars(select(User.id)))
        assert len(users) >= 8
        kinds = set()
        for user_id in users:
            _, principal = await load_principal(session, user_id)
            assert await load_reader(session, user_id) == principal
            kinds |= {
                bool(principal.grants),
                bool(principal.children),
                bool(principal.classes_taught),
            }
        assert kinds == {True, False}  # users with and without each
        with pytest.raises(AuthenticationFailed):
            await load_reader(session, max(users) + 1000)


async def _sign_in(app: FastAPI, identity: ExternalIdentity) -> int:
    resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():
        pair = await sign_in(session, identity, resources.signer, timedelta(days=1))
    user_id: int = resources.signer.user_id(pair.access_token)
    return user_id


async def test_a_dingtalk_user_signing_in_again_finds_the_account_and_spends_no_id(
    app: FastAPI, world: World
) -> None:
    first = await _sign_in(app, ExternalIdentity("dingtalk", "dt-again-1", "李爸爸"))
    again = await _sign_in(app, ExternalIdentity("dingtalk", "dt-again-1", "李爸爸"))
    other = await _sign_in(app, ExternalIdentity("dingtalk", "dt-again-2", ""))
    assert again == first
    assert other == first + 1  # the sign-in again took no id from the sequence
    async with app.state.resources.sessionmaker() as session:
        named = await session.scalar(select(User.name).where(User.id == other))
        families = await session.scalars(
            select(RefreshToken.family_id).where(RefreshToken.user_id == first)
        )
        assert len(set(families)) == 2  # each sign-in starts a family of its own
    assert named == "dt-again-2"  # no name given: the DingTalk id stands in


async def test_first_sign_ins_at_once_make_one_account(app: FastAPI, world: World) -> None:
    identity = ExternalIdentity("dingtalk", "dt-at-once", "王妈妈")
    users = await asyncio.gather(*(_sign_in(app, identity) for _ in range(8)))
    assert len(set(users)) == 1
    async with app.state.resources.sessionmaker() as session:
        accounts = await session.scalar(
            select(func.count()).select_from(User).where(User.dingtalk_user_id == "dt-at-once")
        )
        tokens = await session.scalar(
            select(func.count()).select_from(RefreshToken).where(RefreshToken.user_id == users[0])
        )
    assert (accounts, tokens) == (1, 8)


async def test_a_development_login_must_exist(app: FastAPI, world: World) -> None:
    with pytest.raises(AuthenticationFailed, match="no such development login"):
        await _sign_in(app, ExternalIdentity("dev", "nobody-here", "nobody-here"))
    async with app.state.resources.sessionmaker() as session:
        login = await session.scalar(select(User.dev_login).where(User.dev_login.is_not(None)))
    assert login is not None
    assert await _sign_in(app, ExternalIdentity("dev", login, login)) >= 1
