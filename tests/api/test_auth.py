"""Signing in with DingTalk (against a fake DingTalk via respx) and with development logins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import jwt
import pytest
import respx
from fastapi import FastAPI
from pydantic import SecretStr

from app.identity.tokens import TokenSigner
from app.main import create_app
from app.models import User
from app.settings import Settings
from tests.support.world import World

DINGTALK = "https://oapi.dingtalk.com"


def _fake_dingtalk(
    router: respx.Router, token: str = "app-token-1", mobile: str | None = None
) -> dict[str, respx.Route]:
    """DingTalk as its documentation answers: `user/get` gives `mobile` and `state_code` only to
    an app granted the contact's personal information (`mobile=None`: not granted)."""
    detail = {"userid": "dt-user-42", "name": "张妈妈", "unionid": "u-42"}
    if mobile is not None:
        detail |= {"mobile": mobile, "state_code": "86"}
    return {
        "user detail": router.post(f"{DINGTALK}/topapi/v2/user/get").mock(
            return_value=httpx.Response(200, json={"errcode": 0, "result": detail})
        ),
        "gettoken": router.get(f"{DINGTALK}/gettoken").mock(
            return_value=httpx.Response(
                200, json={"errcode": 0, "access_token": token, "expires_in": 7200}
            )
        ),
        "userinfo": router.post(f"{DINGTALK}/topapi/v2/user/getuserinfo").mock(
            side_effect=lambda request: httpx.Response(
                200,
                json={"errcode": 0, "result": {"userid": "dt-user-42", "name": "张妈妈"}}
                if b"good-code" in request.content
                else {"errcode": 40078, "errmsg": "不存在的临时授权码"},
            )
        ),
    }


async def test_dingtalk_login_creates_the_user_and_caches_the_app_token(
    client: httpx.AsyncClient,
) -> None:
    with respx.mock(assert_all_called=False) as router:
        routes = _fake_dingtalk(router)
        first = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "good-code"})
        second = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "good-code"})
    assert first.status_code == 200, first.text
    assert second.status_code == 200
    assert routes["gettoken"].call_count == 1  # cached in Redis for the second login
    assert routes["userinfo"].call_count == 2
    assert routes["userinfo"].calls[0].request.url.params["access_token"] == "app-token-1"
    token = first.json()["access_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["name"] == "张妈妈"
    assert me.json()["children"] == []
    assert first.json()["token_type"] == "bearer"


async def test_a_refused_dingtalk_code_is_401(client: httpx.AsyncClient) -> None:
    with respx.mock(assert_all_called=False) as router:
        _fake_dingtalk(router)
        response = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "expired-code"})
    assert response.status_code == 401
    assert response.json()["slug"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_stale_app_token_is_fetched_again_once(client: httpx.AsyncClient) -> None:
    with respx.mock(assert_all_called=False) as router:
        tokens = iter(["stale", "fresh"])
        router.get(f"{DINGTALK}/gettoken").mock(
            side_effect=lambda request: httpx.Response(
                200, json={"errcode": 0, "access_token": next(tokens), "expires_in": 7200}
            )
        )
        router.post(f"{DINGTALK}/topapi/v2/user/getuserinfo").mock(
            side_effect=lambda request: httpx.Response(
                200,
                json={"errcode": 0, "result": {"userid": "dt-7", "name": "x"}}
                if request.url.params["access_token"] == "fresh"
                else {"errcode": 40014, "errmsg": "invalid access_token"},
            )
        )
        router.post(f"{DINGTALK}/topapi/v2/user/get").mock(  # no mobile permission
            return_value=httpx.Response(200, json={"errcode": 0, "result": {"userid": "dt-7"}})
        )
        response = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "code"})
    assert response.status_code == 200, response.text


async def test_dingtalk_down_is_503_not_500(client: httpx.AsyncClient) -> None:
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{DINGTALK}/gettoken").mock(side_effect=httpx.ConnectError("down"))
        response = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "code"})
    assert response.status_code == 503
    assert response.json()["slug"] == "identity-unavailable"


async def test_dev_login_needs_an_existing_login(world: World, client: httpx.AsyncClient) -> None:
    unknown = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "dev:nobody"})
    assert unknown.status_code == 401
    me = await client.get("/api/v1/me", headers=world.auth("parent-1"))
    assert me.status_code == 200
    body = me.json()
    assert body["roles"] == ["parent"]
    assert body["children"] == [
        {
            "id": world.student_1,
            "name": "王小明",
            "grade": 3,
            "class_name": "三年级1班",
            "school_id": world.school_a,
        }
    ]


@pytest.fixture
async def production_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    production = settings.model_copy(
        update={
            "environment": "production",
            "jwt_secret": SecretStr("x" * 40),
            "dingtalk_app_secret": SecretStr("y" * 40),
        }
    )
    app: FastAPI = create_app(production)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_dev_logins_are_refused_in_production(production_client: httpx.AsyncClient) -> None:
    response = await production_client.post(
        "/api/v1/auth/dingtalk", json={"auth_code": "dev:admin-a"}
    )
    assert response.status_code == 401


async def test_refresh_rotates_and_a_used_token_is_dead(
    client: httpx.AsyncClient, world: World
) -> None:
    login = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "dev:parent-1"})
    refresh = login.json()["refresh_token"]
    rotated = await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != refresh
    replay = await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert replay.status_code == 401
    me = await client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {rotated.json()['access_token']}"}
    )
    assert me.status_code == 200


@pytest.mark.parametrize(
    "tamper",
    ["expired", "wrong-secret", "wrong-audience", "alg-none", "garbage"],
)
async def test_bad_access_tokens_are_401(
    client: httpx.AsyncClient, world: World, settings: Settings, tamper: str
) -> None:
    user_id = world.users["admin-a"]
    secret = settings.jwt_secret.get_secret_value()
    signer = TokenSigner(secret, settings.jwt_issuer, settings.jwt_audience, timedelta(minutes=5))
    tokens = {
        "expired": TokenSigner(
            secret, settings.jwt_issuer, settings.jwt_audience, timedelta(seconds=-5)
        ).issue(user_id),
        "wrong-secret": TokenSigner(
            "another-secret-that-is-long-enough-to-sign",
            settings.jwt_issuer,
            settings.jwt_audience,
            timedelta(minutes=5),
        ).issue(user_id),
        "wrong-audience": TokenSigner(
            secret, settings.jwt_issuer, "elsewhere", timedelta(minutes=5)
        ).issue(user_id),
        "alg-none": jwt.encode(
            {"sub": str(user_id), "iss": "kehou", "aud": "kehou-api", "exp": 9999999999, "iat": 1},
            None,
            algorithm="none",
        ),
        "garbage": "not.a.token",
    }
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {signer.issue(user_id)}"})
    ).status_code == 200
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens[tamper]}"})
    assert response.status_code == 401
    assert response.json()["slug"] == "unauthenticated"


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401


async def _import_guardian(client: httpx.AsyncClient, world: World, *phones: str) -> None:
    """A school's roster: one child per phone given, each with a guardian of that number."""
    rows = [f"3,1,G{n:03d},导入学生{n},导入家长{n},{phone},母亲" for n, phone in enumerate(phones)]
    content = "\n".join(["年级,班级,学号,姓名,监护人姓名,监护人电话,关系", *rows]).encode()
    imported = await client.post(
        f"/api/v1/schools/{world.school_a}/imports",
        params={"dry_run": "false"},
        files={"file": ("roster.csv", content, "text/csv")},
        headers=world.auth("admin-a"),
    )
    assert imported.status_code == 200, imported.text


async def _children(client: httpx.AsyncClient, token: str) -> list[str]:
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    return sorted(child["name"] for child in me.json()["children"])


async def test_an_imported_guardian_signs_in_and_sees_the_child(
    client: httpx.AsyncClient, world: World
) -> None:
    await _import_guardian(client, world, "138-0013-8001")
    with respx.mock(assert_all_called=False) as router:
        routes = _fake_dingtalk(router, mobile="13800138001")
        first = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "good-code"})
        again = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "good-code"})
    assert first.status_code == 200, first.text
    assert await _children(client, first.json()["access_token"]) == ["导入学生0"]
    assert await _children(client, again.json()["access_token"]) == ["导入学生0"]
    assert routes["user detail"].call_count == 1  # asked once, at the first sign-in


async def test_without_the_mobile_permission_a_new_account_has_no_children(
    client: httpx.AsyncClient, world: World
) -> None:
    await _import_guardian(client, world, "13800138001")
    with respx.mock(assert_all_called=False) as router:
        _fake_dingtalk(router, mobile=None)
        signed = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "good-code"})
    assert signed.status_code == 200, signed.text
    assert await _children(client, signed.json()["access_token"]) == []


async def test_a_number_two_imported_families_share_links_neither(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    await _import_guardian(client, world, "13800138001")
    resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():
        session.add(User(name="另一位家长", phone="+8613800138001"))  # typed for another family
    with respx.mock(assert_all_called=False) as router:
        _fake_dingtalk(router, mobile="13800138001")
        signed = await client.post("/api/v1/auth/dingtalk", json={"auth_code": "good-code"})
    assert signed.status_code == 200, signed.text
    assert await _children(client, signed.json()["access_token"]) == []
