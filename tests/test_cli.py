from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.cli import cli
from app.domain.draw import commitment, draw_order
from app.resources import Resources
from app.settings import Settings
from tests.support.servers import ServerUrls, create_database, drop_database
from tests.support.world import build_world

runner = CliRunner()


def _documents(output: str) -> dict[str, object]:
    """`kehou check` prints two JSON documents one after the other."""
    decoder = json.JSONDecoder()
    merged: dict[str, object] = {}
    index = 0
    while index < len(output):
        if output[index] == "{":
            document, index = decoder.raw_decode(output, index)
            merged.update(document)
        else:
            index += 1
    return merged


def _connectivity(output: str) -> dict[str, str]:
    """The connectivity section of `kehou check`'s report."""
    connectivity = _documents(output)["connectivity"]
    assert isinstance(connectivity, dict)
    return connectivity


@pytest.fixture
def fresh_database(servers: ServerUrls) -> Iterator[str]:
    url = create_database(servers.server_database_url, prefix="kehou_test_cli")
    try:
        yield url
    finally:
        drop_database(url)


def test_check_reports_configuration_and_connectivity(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Trust authentication ignores the password, so the check still connects.
    with_password = make_url(settings.database_url or "").set(password="pw-secret")
    monkeypatch.setenv("DATABASE_URL", with_password.render_as_string(hide_password=False))
    monkeypatch.setenv("REDIS_URL", settings.redis_url or "")
    monkeypatch.setenv("KEHOU_JWT_SECRET", "very-secret-value")
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 0, result.output
    connectivity = _connectivity(result.output)
    assert connectivity["postgres"] == "ok"
    assert connectivity["redis"] == "ok"
    assert connectivity["migrations"] == "at-head"
    assert "every-write" in connectivity["redis_persistence"]
    assert "very-secret-value" not in result.output
    assert "pw-secret" not in result.output


def test_check_fails_when_redis_is_unreachable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    result = runner.invoke(cli, ["check"])
    assert result.exit_code == 1
    assert _connectivity(result.output)["redis"].startswith("failing")


def test_migrate_brings_a_new_database_to_head(
    fresh_database: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    monkeypatch.setenv("REDIS_URL", settings.redis_url or "")
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    result = runner.invoke(cli, ["check"])
    assert _connectivity(result.output)["migrations"] == "at-head"


def test_arm_loads_a_term_into_the_engine(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, clean_tables: None
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("REDIS_URL", settings.redis_url or "")
    monkeypatch.setenv("KEHOU_REDIS_KEY_PREFIX", settings.redis_key_prefix)
    missing = runner.invoke(cli, ["arm", "--term", "999999"])
    assert missing.exit_code != 0
    term_id = asyncio.run(_seed_term(settings))
    result = runner.invoke(cli, ["arm", "--term", str(term_id)])
    assert result.exit_code == 0, result.output
    assert f"term {term_id} armed: 1 courses, 2 students" in result.output  # school A's two


async def _seed_term(settings: Settings) -> int:
    resources = await Resources.open(settings.model_copy(update={"background_tasks": False}))
    try:
        return (await build_world(resources.sessionmaker)).term_a
    finally:
        await resources.close()


def test_audit_exits_non_zero_on_a_breach(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, clean_tables: None
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("REDIS_URL", settings.redis_url or "")
    monkeypatch.setenv("KEHOU_REDIS_KEY_PREFIX", settings.redis_key_prefix)
    term_id = asyncio.run(_seed_term(settings))
    assert runner.invoke(cli, ["arm", "--term", str(term_id)]).exit_code == 0
    clean = runner.invoke(cli, ["audit", "--term", str(term_id)])
    assert clean.exit_code == 0, clean.output
    assert "ok     Redis seats left + Postgres confirmed = capacity" in clean.output
    asyncio.run(_drift_seats(settings, term_id))
    breached = runner.invoke(cli, ["audit", "--term", str(term_id)])
    assert breached.exit_code == 1
    assert "BREACH Redis seats left + Postgres confirmed = capacity" in breached.output


async def _drift_seats(settings: Settings, term_id: int) -> None:
    resources = await Resources.open(settings.model_copy(update={"background_tasks": False}))
    try:
        seats = resources.engine.keys(term_id).seats
        course_id = next(iter(await resources.engine.seats_left(term_id)))
        await resources.redis.hincrby(seats, str(course_id), -1)
    finally:
        await resources.close()


def test_verify_draw_recomputes_a_published_draw(tmp_path: Path) -> None:
    seed = "a1" * 32
    entrants = [14, 3, 27, 8]
    order = draw_order(seed, "term:5", entrants)
    (tmp_path / "entrants.json").write_text(json.dumps(entrants))
    (tmp_path / "order.txt").write_text("\n".join(str(e) for e in order))
    (tmp_path / "forged.txt").write_text("\n".join(str(e) for e in reversed(order)))
    common = ["verify-draw", "--seed", seed, "--commitment", commitment(seed, "term:5"), "--scope", "term:5",
              "--entrants", str(tmp_path / "entrants.json")]  # fmt: skip
    runner = CliRunner()
    honest = runner.invoke(cli, [*common, "--order", str(tmp_path / "order.txt")])
    assert honest.exit_code == 0, honest.output
    assert "order: matches" in honest.output
    forged = runner.invoke(cli, [*common, "--order", str(tmp_path / "forged.txt")])
    assert forged.exit_code == 1
    assert "DIFFERS from place 1" in forged.output
    (tmp_path / "twice.json").write_text(json.dumps([*order, order[0]]))
    (tmp_path / "floats.json").write_text(json.dumps([3.7, *order]))
    for bad in ("twice.json", "floats.json"):
        refused = runner.invoke(cli, [*common, "--order", str(tmp_path / bad)])
        assert refused.exit_code == 2, refused.output
