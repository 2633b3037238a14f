"""The HTTP layer: routers per resource, request/response schemas, dependencies, error mapping."""

API_PREFIX = "/api/v1"
