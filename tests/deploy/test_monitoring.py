"""The monitoring shipped in `deploy/`: Prometheus's alert rules pass promtool's checks and their
own unit tests, and every metric the rules and the Grafana dashboard ask for is one `/metrics`
carries."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app.resources import Resources
from tests.support.grabbing import add_families, grab, open_and_arm
from tests.support.world import World

DEPLOY = Path(__file__).parents[2] / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
DASHBOARD = DEPLOY / "grafana" / "kehou-opening.json"
PROMTOOL = shutil.which("promtool")
METRIC = re.compile(r"\b((?:kehou|http)_[a-z_]+)\b")
HISTOGRAM_PARTS = ("_bucket", "_sum", "_count")


def queries() -> dict[str, str]:
    """Every PromQL expression of the alert rules and the dashboard, by where it is."""
    found = {}
    rules = yaml.safe_load((PROMETHEUS / "kehou-alerts.yml").read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            found[f"alert {rule['alert']}"] = rule["expr"]
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            found[f"panel {panel['title']} {target['refId']}"] = target["expr"]
    return found


async def test_every_metric_the_rules_and_the_dashboard_use_is_exposed(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    resources: Resources = app.state.resources
    (family,) = await add_families(resources, world.school_a, world.class_a301, world.term_a, 1)
    await open_and_arm(resources, world.term_a)
    await grab(client, world.term_a, family, world.course_a)
    exposed = set()
    for metric in text_string_to_metric_families((await client.get("/metrics")).text):
        exposed.add(metric.name)
        exposed.update(sample.name for sample in metric.samples)
    asked = queries()
    assert len(asked) >= 15
    for where, expr in asked.items():
        for name in METRIC.findall(expr):
            base = name
            for part in HISTOGRAM_PARTS:
                base = base.removesuffix(part)
            assert name in exposed or base in exposed, f"{where} asks for {name}, never exposed"


def promtool(*args: str) -> str:
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, *args], cwd=PROMETHEUS, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian's prometheus) is not installed")
def test_the_alert_rules_and_the_scrape_config_pass_promtool() -> None:
    assert "SUCCESS" in promtool("check", "rules", "kehou-alerts.yml")
    assert "SUCCESS" in promtool("check", "config", "prometheus.yml")
    assert "SUCCESS" in promtool("test", "rules", "kehou-alerts.test.yml")
