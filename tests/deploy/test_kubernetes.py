"""The Kubernetes manifests in `deploy/k8s` (CI also validates each against the Kubernetes
schemas with kubernetes-validate): every file is in the kustomization, every setting they give is
one the service reads, and the pods drain before they are killed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from app.metrics import MULTIPROCESS_ENV
from app.settings import Settings

K8S = Path(__file__).parents[2] / "deploy" / "k8s"


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((K8S / name).read_text(encoding="utf-8"))
    return document


def test_every_manifest_is_in_the_kustomization() -> None:
    listed = set(load("kustomization.yaml")["resources"])
    assert listed == {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_every_setting_given_is_one_the_service_reads() -> None:
    known = {f"KEHOU_{name.upper()}" for name in Settings.model_fields} | {MULTIPROCESS_ENV}
    given = set(load("configmap.yaml")["data"])
    assert given <= known, given - known
    values = {
        name.removeprefix("KEHOU_").lower(): value
        for name, value in load("configmap.yaml")["data"].items()
        if name.startswith("KEHOU_") and name != "KEHOU_ENVIRONMENT"
    }
    # Accepted as they stand, beside what the secret gives (the agent, here a stand-in).
    Settings(_env_file=None, dingtalk_agent_id=4242, **values)


def test_a_pod_leaves_the_endpoints_and_drains_before_it_is_killed() -> None:
    pod = load("api-deployment.yaml")["spec"]["template"]["spec"]
    (api,) = pod["containers"]
    drain = int(load("configmap.yaml")["data"]["KEHOU_GRACEFUL_SHUTDOWN_S"])
    pre_stop = api["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > pre_stop + drain
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    mounted = {mount["mountPath"] for mount in api["volumeMounts"]}
    folder = load("configmap.yaml")["data"][MULTIPROCESS_ENV]
    assert any(folder.startswith(path) for path in mounted)  # writable on a read-only root
