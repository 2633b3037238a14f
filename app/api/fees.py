"""Fees (收费): billing, payments, settlement (多还少补), statements and the published summary."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS
from app.api.schemas.base import Page, RowId
from app.api.schemas.fees import (
    AllocationOut,
    BillingOut,
    CoSignIn,
    CoSignOut,
    LedgerEntryOut,
    PaymentIn,
    SettleIn,
    SettlementOut,
    StatementOut,
    SummaryOut,
    statement_out,
)
from app.services import fees, settlement

router = APIRouter(prefix=API_PREFIX, tags=["fees"])


@router.post(
    "/terms/{term_id}/billing",
    operation_id="billTerm",
    summary="Bill the term · 计算学期收费",
    description=(
        "Each confirmed seat of an opened paid course is charged its scheduled sessions × the "
        "fee per session; basic care is free. Run it again after changes: only new seats are "
        "billed.\n\n按已开班收费课程的计划课次×课时费计费,基础托管免费;可重复执行,只为新增名额计费。"
    ),
    response_model=BillingOut,
    responses=WRITE_ERRORS,
)
async def bill(term_id: RowId, session: SessionDep, actor: CurrentUser) -> BillingOut:
    return BillingOut.model_validate(await fees.bill(session, actor.principal, term_id))


@router.post(
    "/terms/{term_id}/payments",
    operation_id="recordPayment",
    summary="Record a payment · 登记缴费",
    description="Once per reference: the same receipt twice is one payment. 同一凭证号只登记一次。",
    status_code=201,
    response_model=LedgerEntryOut,
    responses=WRITE_ERRORS,
)
async def pay(
    term_id: RowId, body: PaymentIn, session: SessionDep, actor: CurrentUser
) -> LedgerEntryOut:
    entry = await fees.record_payment(
        session, actor.principal, term_id, body.student_id, body.amount_fen, body.reference
    )
    return LedgerEntryOut.model_validate(entry)


@router.post(
    "/terms/{term_id}/settlement",
    operation_id="settleTerm",
    summary="Settle the term · 期末结算(多还少补)",
    description=(
        "Closes the term's books: every student's balance is settled by one entry (returned or "
        "collected). Before the last day only with `end_early_reason`: the sessions still to "
        "come are cancelled by the school and refunded. Afterwards the ledger takes no entries."
        "\n\n期末结算,多还少补;学期结束前结算须说明原因,剩余课次按学校原因取消并退费。"
    ),
    response_model=SettlementOut,
    responses=WRITE_ERRORS,
)
async def settle(
    term_id: RowId, body: SettleIn, session: SessionDep, actor: CurrentUser
) -> SettlementOut:
    report = await settlement.settle(session, actor.principal, term_id, body.end_early_reason)
    return SettlementOut.model_validate(report)


@router.get(
    "/students/{student_id}/statement",
    operation_id="getStudentStatement",
    summary="A student's fee statement · 学生费用明细",
    description=(
        "A student's fee statement for a term: charges, refunds, payments and the balance, in "
        "integer fen.\n\n学生本学期费用明细(收费、退费、缴费与余额,单位:分)。"
    ),
    response_model=StatementOut,
    responses=READ_ERRORS,
)
async def statement_of(
    student_id: RowId, term_id: RowId, session: SessionDep, actor: CurrentUser
) -> StatementOut:
    current = await fees.statement_of(session, actor.principal, student_id, term_id)
    return statement_out(current)


@router.get(
    "/terms/{term_id}/statements",
    operation_id="listStatements",
    summary="Every fee statement of the term · 学期费用明细",
    description="A page at a time, by student. 按学生分页。",
    response_model=Page[StatementOut],
    responses=READ_ERRORS,
)
async def statements(
    term_id: RowId, session: SessionDep, actor: CurrentUser, paging: PageDep
) -> Page[StatementOut]:
    rows, total = await fees.term_statements_page(
        session, actor.principal, term_id, paging.page, paging.size
    )
    return Page(
        items=[statement_out(r) for r in rows], total=total, page=paging.page, size=paging.size
    )


@router.get(
    "/terms/{term_id}/fee-summary",
    operation_id="getFeeSummary",
    summary="Income and spending · 收支公示",
    description=(
        "The term's income (fees after refunds) and spending (teachers' subsidies), with the "
        "income by the term's spending categories, for publication to the school's families. "
        "Where the school has a parent committee, its families see it once the committee has "
        "co-signed the settled books (409 before).\n\n学期托管收支情况(含按类别的经费支出),"
        "向家长公示;设有家委会的学校,须家委会在结算后签字方向家长公示。"
    ),
    response_model=SummaryOut,
    responses=READ_ERRORS,
)
async def summary(term_id: RowId, session: SessionDep, actor: CurrentUser) -> SummaryOut:
    found = await settlement.summary(session, actor.principal, term_id)
    term, totals = found.term, found.totals
    return SummaryOut(
        term_id=term.id, settled_at=term.settled_at, students=totals.students,
        charged_fen=totals.charged, refunded_fen=totals.refunded, income_fen=totals.income,
        care_fee_model=found.term.care_fee_model, care_fee_fen=found.term.care_fee_fen,
        care_income_fen=found.care_income, courses_income_fen=totals.income - found.care_income,
        paid_fen=totals.paid, returned_fen=totals.returned, collected_fen=totals.collected,
        spending_fen=totals.spending, surplus_fen=totals.surplus,
        allocation=[
            AllocationOut(category=share.category, percent=share.percent, amount_fen=amount)
            for share, amount in found.allocation
        ],
        has_committee=found.has_committee, co_signed_by=found.co_signed_by,
        published=found.published,
    )  # fmt: skip


@router.post(
    "/terms/{term_id}/fee-summary/co-signatures",
    operation_id="coSignSettlement",
    summary="Co-sign the settled books · 家委会签字",
    description=(
        "A member of the school's parent committee (家委会) co-signs the term's settled income "
        "and spending; once one has, the families see it. Once the term is settled (409 "
        "before), once per member (409).\n\n"
        "家委会成员在学期结算后对收支情况签字确认;签字后向家长公示。"
    ),
    status_code=201,
    response_model=CoSignOut,
    responses=WRITE_ERRORS,
)
async def co_sign(
    term_id: RowId, body: CoSignIn, session: SessionDep, actor: CurrentUser
) -> CoSignOut:
    return CoSignOut.model_validate(
        await settlement.co_sign(session, actor.principal, term_id, body.note)
    )
