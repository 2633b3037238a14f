from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import PLACEHOLDER_SECRET, Settings, mask_url_password

STRONG = "a-long-random-secret-from-the-vault-0123456789"


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


DINGTALK_NOTICES = {"notify_via": "dingtalk", "dingtalk_agent_id": 4242}


def test_development_accepts_the_placeholders() -> None:
    assert make(environment="development").jwt_secret.get_secret_value() == PLACEHOLDER_SECRET


@pytest.mark.parametrize("left_alone", ["jwt_secret", "dingtalk_app_secret"])
def test_production_refuses_a_placeholder_secret(left_alone: str) -> None:
    values: dict[str, object] = {
        "jwt_secret": STRONG,
        "dingtalk_app_secret": STRONG,
        **DINGTALK_NOTICES,
    }
    values[left_alone] = PLACEHOLDER_SECRET
    with pytest.raises(ValidationError, match=left_alone):
        make(environment="production", **values)


def test_production_accepts_real_secrets() -> None:
    settings = make(
        environment="production", jwt_secret=STRONG, dingtalk_app_secret=STRONG, **DINGTALK_NOTICES
    )
    assert settings.dev_login_enabled is False


def test_production_refuses_notices_that_only_reach_the_log() -> None:
    with pytest.raises(ValidationError, match="notify_via"):
        make(environment="production", jwt_secret=STRONG, dingtalk_app_secret=STRONG)


def test_dingtalk_notices_need_the_agent_id() -> None:
    with pytest.raises(ValidationError, match="dingtalk_agent_id"):
        make(notify_via="dingtalk")


def test_urls_come_from_the_unprefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://kehou:pw@db:5432/kehou")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    settings = make()
    assert settings.database_url == "postgresql://kehou:pw@db:5432/kehou"
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.uses_embedded_servers is False


def test_a_missing_url_means_embedded_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert make().uses_embedded_servers is True


def test_masked_configuration_hides_secrets_and_passwords() -> None:
    settings = make(
        jwt_secret=STRONG,
        database_url="postgresql://kehou:hunter2@db/kehou",
        redis_url="redis://:s3cret@cache:6379/0",
    )
    shown = str(settings.masked())
    assert STRONG not in shown
    assert "hunter2" not in shown
    assert "s3cret" not in shown
    assert "kehou:********@db/kehou" in shown


def test_a_hash_tag_in_the_key_prefix_is_refused() -> None:
    with pytest.raises(ValidationError, match="hash tag"):
        make(redis_key_prefix="kehou:{x}:")


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:p@h/d", "postgresql://u:********@h/d"),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
        ("unix:///tmp/redis.sock?db=0", "unix:///tmp/redis.sock?db=0"),
        ("redis://:p@h:6379/0", "redis://:********@h:6379/0"),
    ],
)
def test_mask_url_password(url: str, masked: str) -> None:
    assert mask_url_password(url) == masked


def test_production_refuses_a_short_jwt_secret() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        make(
            environment="production",
            jwt_secret="short-but-set",
            dingtalk_app_secret=STRONG,
            **DINGTALK_NOTICES,
        )


@pytest.mark.parametrize(
    "proxies", ["172.30.0.10", "172.30.0.0/24, 10.0.0.1", "*", "::1,fd00::/8", " 127.0.0.1 "]
)
def test_trusted_proxies_are_addresses_or_networks(proxies: str) -> None:
    assert make(forwarded_allow_ips=proxies).forwarded_allow_ips == ",".join(
        entry.strip() for entry in proxies.split(",")
    )


@pytest.mark.parametrize("proxies", ["nginx", "172.30.0.0/33", "10.0.0.1;10.0.0.2", "1.2.3"])
def test_a_trusted_proxy_that_is_no_address_is_refused(proxies: str) -> None:
    """A name or a typo would be trusted by no connection at all, and every family would share
    the proxy's address: refused at start instead."""
    with pytest.raises(ValidationError, match="not an address or a network"):
        make(forwarded_allow_ips=proxies)
