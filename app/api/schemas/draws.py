"""How a term's round one opens, its draw, a family's entry, and checking a published draw."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.opening import CHOICES_MAX_RANGE, FAIR_START_S_RANGE, Opening

HEX_64 = r"^[0-9A-Fa-f]{64}$"
# Beyond any school's entrants, and small enough to check without holding the server up.
MAX_LISTED = 50_000


class OpeningIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"opening": "fair_start", "fair_start_s": 10},
                {"opening": "ranked", "choices_max": 3},
                {"opening": "fcfs"},
            ]
        }
    )

    opening: Opening = Field(
        description="fcfs (先到先得), fair_start (公平开局: the first seconds drawn), or ranked "
        "(志愿抽签: choices listed during round one, served by a draw at its close)"
    )
    fair_start_s: int = Field(
        default=10,
        ge=FAIR_START_S_RANGE[0],
        le=FAIR_START_S_RANGE[1],
        description="A fair start's drawn seconds after the grab opens · 公平开局的抽签时长(秒)",
    )
    choices_max: int = Field(
        default=3,
        ge=CHOICES_MAX_RANGE[0],
        le=CHOICES_MAX_RANGE[1],
        description="How many courses a family may list · 每名学生最多志愿数",
    )


class DrawOut(ResponseBody):
    term_id: RowId
    opening: Opening
    fair_start_s: int
    choices_max: int
    draw_at: SchoolTime | None = Field(description="When the draw is due · 抽签时间")
    scope: str | None = Field(
        description="The draw's name, covered by the commitment · 抽签名称",
        examples=["term:3:round:1:ranked"],
    )
    commitment: str | None = Field(
        description="SHA-256 of the seed and the scope, published before the grab opens · 种子承诺值"
    )
    drawn_at: SchoolTime | None = Field(description="When the draw was served · 抽签完成时间")
    seed: str | None = Field(
        description="The secret seed, revealed once the draw is served · 抽签种子"
    )
    entrants: int = Field(description="Children entered · 参与抽签人数")
    order: list[int] = Field(
        description="Once served: the drawn entrants (student ids) in the draw's order · 抽签顺序"
    )
    late: list[int] = Field(
        description="Once served: those held after the drawn moment, as they came (fair start) · "
        "抽签时刻之后到达者(按到达顺序)"
    )


class ChoicesIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"course_ids": [7, 9, 12]}]})

    course_ids: list[RowId] = Field(
        min_length=1,
        max_length=CHOICES_MAX_RANGE[1],
        description="Most wanted first · 按志愿顺序排列",
    )


class EntryOut(ResponseBody):
    term_id: RowId
    student_id: RowId
    choices: list[int] = Field(description="Most wanted first · 志愿顺序")
    first_at: SchoolTime = Field(description="When the family's first attempt or list arrived")
    draw_at: SchoolTime | None = Field(description="When the draw is due · 抽签时间")
    place: int | None = Field(description="Once served: the child's place in the order · 顺位")
    late: bool | None = Field(description="Once served: arrived after the drawn moment")
    given: list[int] | None = Field(description="Once served: the courses given · 录取课程")


class DrawReportOut(ResponseBody):
    term_id: RowId
    opening: Opening
    drawn_at: SchoolTime
    entrants: int
    seats_given: int
    families_given: int
    notices: int
    already_served: bool = Field(description="Served before: nothing was done now")


class VerificationIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "seed": "3f" * 32,
                    "commitment": "a1" * 32,
                    "scope": "term:3:round:1:ranked",
                    "entrants": [11, 12, 13],
                    "order": [12, 11, 13],
                }
            ]
        }
    )

    seed: str = Field(pattern=HEX_64, description="The revealed seed, hex · 公开的种子")
    commitment: str = Field(pattern=HEX_64, description="The published commitment, hex · 承诺值")
    scope: str = Field(min_length=1, max_length=200, description="The draw's name · 抽签名称")
    entrants: list[RowId] = Field(
        max_length=MAX_LISTED, description="The drawn entrants, any order"
    )
    order: list[RowId] = Field(max_length=MAX_LISTED, description="The order published")


class VerificationOut(ResponseBody):
    ok: bool = Field(
        description="The seed is the one committed to, and gives this order · 核验通过"
    )
    commitment_matches: bool
    order_matches: bool
    first_difference: int | None = Field(
        description="The first place (1-based) where the published order differs · 首个不一致的顺位"
    )
