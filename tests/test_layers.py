"""Imports flow one way: each part of `app` imports only parts below it (or itself), so a reader can
learn the code from the bottom up and a change low down never needs one higher up."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

# Lowest first. Parts on the same rank are peers that must not import each other.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"domain"}),
    frozenset({"settings", "observability"}),
    frozenset({"metrics"}),
    frozenset({"models"}),
    frozenset({"persistence", "embedded"}),
    frozenset({"identity"}),
    frozenset({"notify"}),
    frozenset({"services", "grab"}),
    frozenset({"resources"}),
    frozenset({"demo"}),
    frozenset({"api"}),
    frozenset({"main", "cli"}),
    frozenset({"__main__"}),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def _part(module: str) -> str | None:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 and pieces[0] == "app" else None


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every `app.*` module the file imports, at the top or inside a function."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: a relative import; name the module"
            if node.module == "app":  # `from app import grab` reaches app.grab
                found += [(node.lineno, f"app.{alias.name}") for alias in node.names]
            elif node.module:
                found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if _part(name) is not None]


FILES = sorted(APP.rglob("*.py"))


def _own_part(path: Path) -> str:
    relative = path.relative_to(APP)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def test_every_part_of_the_app_has_a_layer() -> None:
    parts = {_own_part(path) for path in FILES} - {"__init__"}
    assert parts - RANK.keys() == set()


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(APP)))
def test_imports_only_reach_down(path: Path) -> None:
    own = _own_part(path)
    if own == "__init__":
        return
    upward = [
        f"line {line}: {name}"
        for line, name in _imports(path)
        if (target := _part(name)) != own and RANK[str(target)] >= RANK[own]
    ]
    assert upward == [], f"{path.relative_to(APP)} ({own}) imports at or above its layer"
