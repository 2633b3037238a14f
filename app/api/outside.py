"""People from outside taken on as teachers (外聘人员): proposed, vetted, engaged."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import WRITE_ERRORS, problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.outside import AgreementIn, OutsideIn, OutsideOut, VettingIn
from app.domain.outside import Agreement
from app.services import outside

router = APIRouter(prefix=API_PREFIX, tags=["schools"])


@router.post(
    "/schools/{school_id}/outside-staff",
    operation_id="proposeOutsideStaff",
    summary="Propose a person from outside · 外聘人员登记",
    description=(
        "A retired teacher, a parent with a skill, a volunteer or a provider's teacher, proposed "
        "by the school's administrators; found by phone, or given an account. They teach only "
        "once vetted (`/vetting`) and engaged by the three-party agreement (`/agreement`).\n\n"
        "登记退休教师、有专业特长的家长、志愿者或第三方机构教师;经学校和家委会审核、签订三方协议后"
        "方可任教。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=OutsideOut,
    responses=WRITE_ERRORS,
)
async def propose(
    school_id: RowId, body: OutsideIn, session: SessionDep, actor: CurrentUser
) -> OutsideOut:
    person = await outside.propose(
        session, actor.principal, school_id, body.kind, body.name, body.phone, body.provider
    )
    return OutsideOut.model_validate(person)


@router.get(
    "/schools/{school_id}/outside-staff",
    operation_id="listOutsideStaff",
    summary="People from outside · 外聘人员",
    description="For the school's administrators and parent committee. 学校管理员与家委会可见。",
    response_model=list[OutsideOut],
    responses=problem_responses(401, 403, 404),
)
async def list_outside(
    school_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[OutsideOut]:
    rows = await outside.of_school(session, actor.principal, school_id)
    return [OutsideOut.model_validate(r) for r in rows]


@router.post(
    "/outside-staff/{outside_id}/vetting",
    operation_id="vetOutsideStaff",
    summary="Vet a person from outside · 外聘人员审核",
    description=(
        "An administrator decides for the school, a parent committee member for the committee; "
        "the person is vetted once both have approved (the school alone where it has no "
        "committee). A refusal by either, with a reason, ends it.\n\n"
        "学校管理员代表学校、家委会成员代表家委会审核;双方通过即审核通过,任一方不同意须说明理由。"
    ),
    response_model=OutsideOut,
    responses=WRITE_ERRORS,
)
async def vet(
    outside_id: RowId, body: VettingIn, session: SessionDep, actor: CurrentUser
) -> OutsideOut:
    person = await outside.vetting(session, actor.principal, outside_id, body.approve, body.reason)
    return OutsideOut.model_validate(person)


@router.post(
    "/outside-staff/{outside_id}/agreement",
    operation_id="engageOutsideStaff",
    summary="Record the three-party agreement · 签订三方协议",
    description=(
        "Once vetted: the agreement signed by the school, the parents' representative and the "
        "person. They become an external teacher of the school: they take roll calls and their "
        "sessions count in workload.\n\n"
        "审核通过后登记学校、家长代表与被聘用人员签订的三方协议;此后可点名,课次计入工作量。"
    ),
    response_model=OutsideOut,
    responses=WRITE_ERRORS,
)
async def engage(
    outside_id: RowId, body: AgreementIn, session: SessionDep, actor: CurrentUser
) -> OutsideOut:
    agreement = Agreement(body.signed_on, body.school_party, body.parent_party, body.person_party)
    return OutsideOut.model_validate(
        await outside.engage(session, actor.principal, outside_id, agreement)
    )
