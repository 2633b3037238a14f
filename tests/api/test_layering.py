"""Routers are HTTP only: the seat engine learns of changes through the session's sync, never
from a router (app/grab/sync.py), and routers reach what the engine holds only through it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "app" / "api"
ENGINE_MODULES = ("app.grab",)
ALLOWED_FROM_GRAB: set[str] = set()


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _engine_reached_directly(tree: ast.Module) -> list[int]:
    """Lines where a router touches `resources.engine` (the seat engine itself)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "engine"
        and isinstance(node.value, ast.Name)
        and node.value.id == "resources"
    ]


ROUTERS = sorted(API.rglob("*.py"))


@pytest.mark.parametrize("path", ROUTERS, ids=lambda p: str(p.relative_to(API)))
def test_router_imports_nothing_of_the_seat_engine(path: Path) -> None:
    offending = {
        name
        for name in _imported(_tree(path))
        if any(name == bad or name.startswith(bad + ".") for bad in ENGINE_MODULES)
    } - ALLOWED_FROM_GRAB
    assert not offending, f"{path.name} imports {sorted(offending)}"


@pytest.mark.parametrize("path", ROUTERS, ids=lambda p: str(p.relative_to(API)))
def test_router_never_calls_the_seat_engine(path: Path) -> None:
    assert not _engine_reached_directly(_tree(path)), (
        f"{path.name} calls resources.engine at lines {_engine_reached_directly(_tree(path))}"
    )


def test_the_routers_were_found() -> None:
    assert len(ROUTERS) > 10
