from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query


@dataclass(frozen=True)
class PageParams:
    page: int
    size: int


async def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1 · 页码")] = 1,
    size: Annotated[int, Query(ge=1, le=200, description="Items per page (≤ 200) · 每页条数")] = 50,
) -> PageParams:
    return PageParams(page, size)


PageDep = Annotated[PageParams, Depends(page_params)]
