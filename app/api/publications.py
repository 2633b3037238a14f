"""Publication (公示) of opened courses and basic-care groups, with objections (异议)."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.publications import (
    ObjectionAnswerIn,
    ObjectionIn,
    ObjectionOut,
    PublicationOut,
    PublicationSummary,
    PublishIn,
    publication_out,
)
from app.services import publications

router = APIRouter(prefix=API_PREFIX, tags=["publication"])


@router.post(
    "/terms/{term_id}/publications",
    operation_id="publish",
    summary="Publish a list · 发布公示",
    description=(
        "Freezes the opened courses with their rosters, or the basic-care groups, and shows them "
        "to the school's families for `days` days; families may object meanwhile.\n\n"
        "将开班名单或基础托管分组冻结并向本校家长公示若干天,公示期内可提出异议。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=PublicationOut,
    responses=problem_responses(401, 403, 404, 422),
)
async def publish(
    term_id: RowId, body: PublishIn, session: SessionDep, actor: CurrentUser
) -> PublicationOut:
    publication = await publications.publish(
        session, actor.principal, term_id, body.kind, body.title, body.days
    )
    return publication_out(publication, publication.snapshot)


@router.get(
    "/terms/{term_id}/publications",
    operation_id="listPublications",
    summary="A term's publications · 公示列表",
    description="Families see those up now; staff all. 家长仅见公示期内的。",
    response_model=list[PublicationSummary],
    responses=problem_responses(401, 403, 404),
)
async def list_for_term(
    term_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[PublicationSummary]:
    rows = await publications.list_publications(session, actor.principal, term_id)
    return [PublicationSummary.model_validate(r) for r in rows]


@router.get(
    "/publications/{publication_id}",
    operation_id="getPublication",
    summary="A publication · 公示内容",
    description="Families: masked names and classes, while it is up. 家长端姓名脱敏。",
    response_model=PublicationOut,
    responses=problem_responses(401, 403, 404),
)
async def get_one(publication_id: RowId, session: SessionDep, actor: CurrentUser) -> PublicationOut:
    publication, lists = await publications.get_publication(
        session, actor.principal, publication_id
    )
    return publication_out(publication, lists)


@router.post(
    "/publications/{publication_id}/objections",
    operation_id="raiseObjection",
    summary="Object to a publication · 提出异议",
    description=(
        "During the publication period (公示期) anyone who may read it, the school's families and "
        "staff, objects to it; a family may name only a child of its own. The school answers.\n\n"
        "公示期内本校家长与教职工可提出异议;家长只能注明自己的孩子。学校予以答复。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ObjectionOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def object_to(
    publication_id: RowId, body: ObjectionIn, session: SessionDep, actor: CurrentUser
) -> ObjectionOut:
    objection = await publications.object_to(
        session, actor.principal, publication_id, body.text, body.student_id
    )
    return ObjectionOut.model_validate(objection)


@router.get(
    "/publications/{publication_id}/objections",
    operation_id="listObjections",
    summary="Objections to a publication · 异议列表",
    description="For the school's staff. 仅限本校教职工。",
    response_model=list[ObjectionOut],
    responses=problem_responses(401, 403, 404),
)
async def list_objections(
    publication_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[ObjectionOut]:
    rows = await publications.objections(session, actor.principal, publication_id)
    return [ObjectionOut.model_validate(r) for r in rows]


@router.post(
    "/objections/{objection_id}/answer",
    operation_id="answerObjection",
    summary="Answer an objection · 答复异议",
    description="The family is notified. 答复后通知提出人。",
    response_model=ObjectionOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def answer(
    objection_id: RowId, body: ObjectionAnswerIn, session: SessionDep, actor: CurrentUser
) -> ObjectionOut:
    return ObjectionOut.model_validate(
        await publications.answer(session, actor.principal, objection_id, body.text)
    )
