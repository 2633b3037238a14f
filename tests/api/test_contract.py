"""The OpenAPI document is a contract: committed, reviewed, and true to what the API answers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.api.problems import DOMAIN_STATUS, HTTP_PROBLEMS
from contract.export import CONTRACT, current_document, render

OPERATION_ID = re.compile(r"^[a-z][A-Za-z]{2,31}$")
KNOWN_SLUGS = {kind.slug for kind in HTTP_PROBLEMS.values()} | set(DOMAIN_STATUS)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return current_document()


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _answer(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        return dict(document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]])
    return response


def test_the_committed_contract_is_the_served_one(document: dict[str, Any]) -> None:
    """A change to the API's contract is made on purpose: `uv run python -m contract.export`,
    then review the diff of contract/openapi.json like any code."""
    committed = CONTRACT.read_text(encoding="utf-8")
    assert committed == render(document), "run `uv run python -m contract.export` and review"


def test_operation_ids_are_short_unique_and_chosen(document: dict[str, Any]) -> None:
    ids = [operation.get("operationId", "") for _, operation in _operations(document)]
    assert [i for i in ids if not OPERATION_ID.match(i)] == []
    assert len(set(ids)) == len(ids)
    assert [i for i in ids if "Api" in i or "V1" in i] == []  # none left to the framework


def test_every_error_is_a_problem_with_its_slugs_and_an_example(document: dict[str, Any]) -> None:
    wrong: list[str] = []
    for where, operation in _operations(document):
        for code, declared in operation["responses"].items():
            response = _answer(document, declared)
            status = int(code)
            if status < 400 or where.endswith(("/healthz", "/readyz")):
                continue
            content = response.get("content", {})
            if list(content) != ["application/problem+json"]:
                wrong.append(f"{where} {code}: {list(content)}")
                continue
            media = content["application/problem+json"]
            slugs = media["schema"]["properties"]["slug"]["enum"]
            if not slugs or not set(slugs) <= KNOWN_SLUGS:
                wrong.append(f"{where} {code}: slugs {slugs}")
            example = media["example"]
            if example["status"] != status or example["slug"] not in slugs:
                wrong.append(f"{where} {code}: example {example['status']} {example['slug']}")
            if status in (429, 503) and "Retry-After" not in response.get("headers", {}):
                wrong.append(f"{where} {code}: no Retry-After")
    assert wrong == []


def test_what_every_operation_can_answer_is_declared(document: dict[str, Any]) -> None:
    missing: list[str] = []
    for where, operation in _operations(document):
        declared = set(operation["responses"])
        needed = set()
        if operation.get("requestBody"):
            needed |= {"400", "413", "422"}
        if operation.get("parameters"):
            needed.add("422")
        if operation.get("security"):
            needed.add("401")
        if " /api/v1/" in where:
            needed.add("503")
        missing.extend(f"{where} {code}" for code in sorted(needed - declared))
    assert missing == []
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_grab_documents_its_header_and_both_successes(document: dict[str, Any]) -> None:
    grab = document["paths"]["/api/v1/terms/{term_id}/enrollments"]["post"]
    assert grab["operationId"] == "grab"
    (key,) = [p for p in grab["parameters"] if p["name"].lower() == "idempotency-key"]
    assert key["required"] is True
    assert grab["responses"]["201"]["content"]["application/json"]["example"]["status"] == (
        "confirmed"
    )
    assert grab["responses"]["202"]["content"]["application/json"]["example"]["status"] == (
        "pending"
    )
    refusals = _answer(document, grab["responses"]["409"])["content"]["application/problem+json"]
    refusals = refusals["schema"]
    assert "course-full" in refusals["properties"]["slug"]["enum"]
