"""`app/domain` is plain Python: the rules must not reach for the web, the database or Redis."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "app" / "domain"
FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "redis",
    "psycopg",
    "app.settings",
    "app.api",
    "app.grab",
    "app.persistence.database",
    "httpx",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN.rglob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_infrastructure(path: Path) -> None:
    offending = {
        name
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert offending == set()
