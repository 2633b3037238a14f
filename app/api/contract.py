"""The OpenAPI document as a contract clients are generated from.

FastAPI's document is the starting point; this adds what every operation can answer whatever
its route declares (a malformed body, a field out of bounds, a database too busy to serve), in
the one problem+json shape with its slugs and an example, and drops FastAPI's own validation
error schema, which describes an answer this service never gives. The committed copy in
`contract/openapi.json` is compared with this in the tests, so a change to the contract is
always a reviewed change.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from app.api import API_PREFIX
from app.api.problems import DEFAULT_SLUGS, FieldError, Problem, problem_document

# Headers an operation cannot do without, though its route reads them itself to answer their
# absence with a problem of its own (the grab's 400 `idempotency-key-missing`).
REQUIRED_HEADERS: dict[str, tuple[str, ...]] = {"grab": ("idempotency-key",)}
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")
# Names of the shared answers whose slugs are more than one.
SHARED_NAMES = {403: "Forbidden", 409: "Conflict", 422: "Unprocessable"}


def install_contract(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
        license_info=app.license_info,
        contact=app.contact,
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_SCHEMAS:
        schemas.pop(name, None)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Problem"].pop("$defs", None)
    schemas["FieldError"] = FieldError.model_json_schema()
    _restore_examples(app, document)
    shared: dict[str, Any] = {}
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            _complete(path, operation)
            _share_problems(operation, shared)
    document["components"]["responses"] = dict(sorted(shared.items()))
    return document


def _share_problems(operation: dict[str, Any], shared: dict[str, Any]) -> None:
    """Problem answers alike across operations become one entry in `components/responses`,
    named for what they say (`NotFound`), or for the operation when its slugs are its own
    (`Grab409`): a client generator then makes one type of each, not one per operation."""
    for code, response in operation["responses"].items():
        slugs = _declared_slugs(response)
        if int(code) < 400 or not slugs:
            continue
        name = _response_name(int(code), slugs, operation.get("operationId", "operation"))
        if name in shared and shared[name] != response:
            name = _response_name(int(code), slugs, operation.get("operationId", "operation"), True)
        shared[name] = response
        operation["responses"][code] = {"$ref": f"#/components/responses/{name}"}


def _response_name(status: int, slugs: list[str], operation_id: str, own: bool = False) -> str:
    if not own and tuple(slugs) == DEFAULT_SLUGS.get(status):
        return SHARED_NAMES.get(status) or _pascal(slugs[0])
    if not own and len(slugs) == 1:
        return _pascal(slugs[0])
    return f"{operation_id[0].upper()}{operation_id[1:]}{status}"


def _pascal(slug: str) -> str:
    return "".join(part.title() for part in slug.split("-"))


def _restore_examples(app: FastAPI, document: dict[str, Any]) -> None:
    """FastAPI drops every null from the document it writes, the nulls of examples too (the
    grab's 202 answers `"id": null`); the examples routes declare are put back as declared."""
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            continue
        route: Any = context  # an included route, with its router's prefix and responses
        if not route.include_in_schema:
            continue
        for status, response in route.responses.items():
            for media_type, media in response.get("content", {}).items():
                if "example" not in media:
                    continue
                for method in route.methods:
                    operation = document["paths"][route.path_format][method.lower()]
                    answer = operation["responses"][str(status)]["content"][media_type]
                    answer["example"] = jsonable_encoder(media["example"])


def _complete(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    implied: dict[int, list[str]] = {}
    if operation.get("parameters") or operation.get("requestBody"):
        implied[422] = ["validation-error"]
    if operation.get("requestBody"):
        implied[400] = ["bad-request"]
        implied[413] = ["payload-too-large"]  # any body over the limit (app/api/body_limit.py)
    if operation.get("security"):
        implied[401] = ["unauthenticated"]
    else:
        operation["security"] = []  # said, not forgotten: this operation needs no token
    if path.startswith(API_PREFIX):
        implied[503] = ["database-unavailable"]
    for status, slugs in implied.items():
        declared = _declared_slugs(responses.get(str(status)))
        responses[str(status)] = problem_document(status, [*declared, *slugs])
    for name in REQUIRED_HEADERS.get(operation.get("operationId", ""), ()):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"].lower() == name:
                parameter["required"] = True
                schema = parameter["schema"]
                variants = [v for v in schema.pop("anyOf", []) if v != {"type": "null"}]
                schema.update(variants[0] if variants else {"type": "string"})
                schema.pop("default", None)
    operation["responses"] = dict(sorted(responses.items()))


def _declared_slugs(response: dict[str, Any] | None) -> list[str]:
    """The slugs a route declared for a status (none if FastAPI wrote the entry)."""
    if not response:
        return []
    for media in response.get("content", {}).values():
        slug = media.get("schema", {}).get("properties", {}).get("slug", {})
        if "enum" in slug:
            return list(slug["enum"])
    return []
