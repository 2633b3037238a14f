"""Writes the OpenAPI document the app serves to `contract/openapi.json`.

    uv run python -m contract.export

The committed file is the contract client teams generate from; `tests/api/test_contract.py`
fails when the app's document and this file differ, so every change to the contract is made
by running this and reviewing the diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.main import create_app
from app.settings import Settings

CONTRACT = Path(__file__).resolve().parent / "openapi.json"


def current_document() -> dict[str, Any]:
    # Built without servers: the document depends on the routes only.
    settings = Settings(
        _env_file=None, database_url="postgresql://unused/unused", redis_url="redis://unused"
    )
    return create_app(settings).openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def main() -> None:
    CONTRACT.write_text(render(current_document()), encoding="utf-8")
    print(f"wrote {CONTRACT}")


if __name__ == "__main__":
    main()
