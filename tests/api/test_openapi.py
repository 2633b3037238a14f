"""The API document is part of the product: school IT reads it at /docs."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

import app.main  # noqa: F401  (imports every schema module)
from app.api.schemas.base import RequestBody, VersionedUpdate

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _answer(document: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in response:
        return dict(document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]])
    return response


def test_every_operation_has_a_bilingual_summary(document: dict[str, Any]) -> None:
    missing = [
        f"{method} {path}"
        for method, path, op in _operations(document)
        if not op.get("summary")
        or not CJK.search(op["summary"])
        or not re.search("[A-Za-z]", op["summary"])
    ]
    assert missing == []


def test_authenticated_operations_declare_their_problems(document: dict[str, Any]) -> None:
    missing = []
    for method, path, op in _operations(document):
        if not op.get("security"):
            continue
        declared = set(op.get("responses", {}))
        if "401" not in declared:
            missing.append(f"{method} {path}: 401")
        if method != "GET" and not {"403", "422"} <= declared and path != "/api/v1/me":
            missing.append(f"{method} {path}: 403/422")
        problem = _answer(document, op["responses"].get("401", {})).get("content", {})
        if "application/problem+json" not in problem:
            missing.append(f"{method} {path}: 401 as problem+json")
    assert missing == []


def test_request_bodies_refuse_unknown_fields_and_show_examples(document: dict[str, Any]) -> None:
    loose, without_examples = [], []
    for method, path, op in _operations(document):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        schema = _resolve(document, content["application/json"]["schema"])
        if schema.get("additionalProperties") is not False:
            loose.append(f"{method} {path}")
        if not schema.get("examples"):
            without_examples.append(f"{method} {path}")
    assert loose == []
    assert without_examples == []


def test_the_api_describes_itself_in_both_languages(document: dict[str, Any]) -> None:
    description = document["info"]["description"]
    assert CJK.search(description)
    assert "problem+json" in description
    assert len(_operations(document)) >= 45


def test_every_section_is_described_and_every_operation_in_one(document: dict[str, Any]) -> None:
    described = {tag["name"]: tag["description"] for tag in document["tags"]}
    for method, path, operation in _operations(document):
        tags = operation.get("tags", [])
        assert len(tags) == 1, f"{method} {path} belongs to {tags}"
        assert tags[0] in described, f"section {tags[0]!r} has no description"
    assert all(any("\u4e00" <= c <= "\u9fff" for c in text) for text in described.values())


def _request_models() -> list[type[RequestBody]]:
    found: list[type[RequestBody]] = []
    pending = [m for m in RequestBody.__subclasses__() if m is not VersionedUpdate]
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    for base in VersionedUpdate.__subclasses__():
        found.append(base)
    return found


@pytest.mark.parametrize("model", _request_models(), ids=lambda m: m.__name__)
def test_body_examples_are_valid_requests(model: type[RequestBody]) -> None:
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    assert isinstance(examples, list), f"{model.__name__} shows no example body"
    for example in examples:
        model.model_validate(example)


def _request_schemas(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every schema a caller fills in: parameters and request bodies, nested ones included."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(where: str, schema: dict[str, Any]) -> None:
        schema = _resolve(document, schema)
        found.append((where, schema))
        for name, inner in schema.get("properties", {}).items():
            walk(f"{where}.{name}", inner)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                walk(f"{where}[]", schema[key])
        for key in ("anyOf", "oneOf", "allOf"):
            for inner in schema.get(key, []):
                walk(where, inner)

    for method, path, op in _operations(document):
        for parameter in op.get("parameters", []):
            walk(f"{method} {path} {parameter['in']}.{parameter['name']}", parameter["schema"])
        for media in op.get("requestBody", {}).get("content", {}).values():
            walk(f"{method} {path} body", media["schema"])
    return found


def test_every_number_a_caller_sends_is_bounded(document: dict[str, Any]) -> None:
    """An integer beyond what its column holds was a 500 from the database; each is bounded
    where it comes in, and the document says so."""
    unbounded = [
        where
        for where, schema in _request_schemas(document)
        if schema.get("type") in ("integer", "number")
        and ("maximum" not in schema or schema["maximum"] > 2**31 - 1)
        and "enum" not in schema
    ]
    assert unbounded == []


def test_every_text_a_caller_sends_is_bounded(document: dict[str, Any]) -> None:
    unbounded = [
        where
        for where, schema in _request_schemas(document)
        if schema.get("type") == "string"
        and "maxLength" not in schema
        and "enum" not in schema
        and "format" not in schema
        and "pattern" not in schema
        and "const" not in schema
        and "contentMediaType" not in schema  # an upload: its size is capped where it is read
    ]
    assert unbounded == []
