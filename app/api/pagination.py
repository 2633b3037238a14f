from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query

# The bounds and defaults of every list's `page` and `size` (the read entry parses them too).
DEFAULT_PAGE, MAX_PAGE, DEFAULT_SIZE, MAX_SIZE = 1, 1_000_000, 50, 200


@dataclass(frozen=True)
class PageParams:
    page: int
    size: int


async def page_params(
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1 · 页码")
    ] = DEFAULT_PAGE,
    size: Annotated[
        int, Query(ge=1, le=MAX_SIZE, description="Items per page (≤ 200) · 每页条数")
    ] = DEFAULT_SIZE,
) -> PageParams:
    return PageParams(page, size)


PageDep = Annotated[PageParams, Depends(page_params)]
