"""Billing, payments, settlement and statements: what the fee routes take and answer."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.fees import CareFeeModel, LedgerKind
from app.domain.schedule import Period
from app.services.fees import StudentStatement


class PaymentIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"student_id": 11, "amount_fen": 64000, "reference": "WX202603010001"}]
        },
    )

    student_id: RowId = Field(ge=1)
    amount_fen: int = Field(gt=0, le=10_000_000, description="Integer fen (分)")
    reference: str = Field(
        min_length=1, max_length=80, description="Receipt or transfer number; recorded once"
    )


class SettleIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{}, {"end_early_reason": "疫情停课"}]}
    )

    end_early_reason: str | None = Field(
        default=None,
        max_length=200,
        description="Only to settle before the term's last day: the rest of it is cancelled",
    )


class BillingOut(ResponseBody):
    term_id: RowId
    enrollments: int = Field(description="Paid seats billed")
    new_charges: int = Field(description="Of which billed now (0 when run again)")
    charged_fen: int


class SettlementOut(ResponseBody):
    term_id: RowId
    settled_at: SchoolTime
    students: int = Field(description="Students whose balance needed a settlement entry")
    sessions_cancelled: int
    returned_fen: int = Field(description="多还: paid beyond the fees, returned")
    collected_fen: int = Field(description="少补: missing, collected")


class LedgerEntryOut(ResponseBody):
    id: int
    kind: LedgerKind
    amount_fen: int = Field(description="What the family owes by it: refunds and payments < 0")
    course_id: RowId | None
    session_id: RowId | None
    sessions: int | None
    care_period: Period | None = Field(
        description="Set on an entry for basic care: the period of the place (midday, after school)"
    )
    note: str
    created_at: SchoolTime


class CourseLineOut(ResponseBody):
    course_id: RowId
    course_name: str
    fee_per_session_fen: int
    sessions_charged: int
    charged_fen: int
    sessions_refunded: int
    refunded_fen: int


class CareLineOut(ResponseBody):
    period: Period = Field(description="after_school (课后托管) or midday (午托)")
    units: int = Field(description="Sessions (per_session) or months (monthly) owed now")
    charged_fen: int
    refunded_fen: int


class StatementOut(ResponseBody):
    term_id: RowId
    student_id: RowId
    student_name: str
    class_name: str
    courses: list[CourseLineOut]
    care: list[CareLineOut] = Field(
        description="Basic care, where the term charges it (its `care_fee_model`) · 基础托管费"
    )
    charged_fen: int
    refunded_fen: int
    paid_fen: int
    settled_fen: int = Field(
        description="The settlement: > 0 returned (多还), < 0 collected (少补)"
    )
    to_collect_fen: int = Field(description="少补")
    to_return_fen: int = Field(description="多还")
    balance_fen: int = Field(description="Still owed by the family (0 once settled)")
    entries: list[LedgerEntryOut]


class SummaryOut(ResponseBody):
    term_id: RowId
    settled_at: SchoolTime | None
    students: int
    charged_fen: int
    refunded_fen: int
    income_fen: int = Field(description="Fees after refunds")
    care_fee_model: CareFeeModel = Field(description="How the term charges basic care")
    care_fee_fen: int = Field(description="Per session or per month, as the model says")
    care_income_fen: int = Field(
        description="Of the income, basic care's (0 where it is free) · 其中基础托管费"
    )
    courses_income_fen: int = Field(description="Of the income, the courses' · 其中课程费")
    paid_fen: int
    returned_fen: int
    collected_fen: int
    spending_fen: int = Field(description="Teachers' subsidies (workload)")
    surplus_fen: int
    allocation: list[AllocationOut] = Field(
        description="The income by the term's spending categories (篇八: 60/20/5/5/10 %) · "
        "经费支出分类"
    )
    has_committee: bool = Field(description="The school has a parent committee · 设有家委会")
    co_signed_by: list[str] = Field(description="Committee members who co-signed · 家委会签字")
    published: bool = Field(
        description="Settled and, where there is a committee, co-signed: the families see it · "
        "已公示"
    )


class AllocationOut(ResponseBody):
    category: str = Field(examples=["辅导教师量化考核"])
    percent: int = Field(examples=[60])
    amount_fen: int = Field(examples=[96000])


class CoSignIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "账目核对无误"}]})

    note: str = Field(default="", max_length=500, description="What was checked · 审核意见")


class CoSignOut(ResponseBody):
    term_id: RowId
    user_id: RowId
    note: str
    created_at: SchoolTime


def statement_out(current: StudentStatement) -> StatementOut:
    totals = current.totals
    return StatementOut(
        term_id=current.term_id, student_id=current.student_id,
        student_name=current.student_name, class_name=current.class_name,
        courses=[CourseLineOut.model_validate(c) for c in current.courses],
        care=[CareLineOut.model_validate(c) for c in current.care],
        charged_fen=totals.charged, refunded_fen=totals.refunded, paid_fen=totals.paid,
        settled_fen=totals.settled, to_collect_fen=totals.to_collect,
        to_return_fen=totals.to_return, balance_fen=totals.balance,
        entries=[LedgerEntryOut.model_validate(e) for e in current.entries],
    )  # fmt: skip
