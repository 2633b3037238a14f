"""The append-only audit log of a school (optionally one term): every override and decision, with
who and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import problem_responses
from app.api.schemas.audit import AuditEventOut
from app.api.schemas.base import Page, RowId
from app.services import audit

router = APIRouter(prefix=API_PREFIX, tags=["overrides"])


@router.get(
    "/schools/{school_id}/audit-events",
    operation_id="listAuditEvents",
    summary="Audit log of overrides · 调整审计日志",
    description="Newest first. Append-only: nothing here can be edited or deleted. 只增不改。",
    response_model=Page[AuditEventOut],
    responses=problem_responses(401, 403, 404),
)
async def audit_log(
    school_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    page: PageDep,
    term_id: Annotated[RowId | None, Query()] = None,
) -> Page[AuditEventOut]:
    rows, total = await audit.audit_events(
        session, actor.principal, school_id, term_id, page.page, page.size
    )
    items = [AuditEventOut.model_validate(r) for r in rows]
    return Page(items=items, total=total, page=page.page, size=page.size)
