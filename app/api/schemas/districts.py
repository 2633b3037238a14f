"""A district: what its routes answer."""

from __future__ import annotations

from pydantic import Field

from app.api.schemas.base import ResponseBody


class DistrictOut(ResponseBody):
    id: int
    name: str = Field(examples=["示范区教育局"])
    code: str = Field(examples=["demo-district"])
    version: int
