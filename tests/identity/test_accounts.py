"""The reader's principal, loaded in one round trip, is the principal of the full load."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.domain.errors import AuthenticationFailed
from app.identity.accounts import load_principal, load_reader
from app.models import User
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
