"""Contracts: enrolment (idempotent), search, payment and certificate, and the changes reported during the term."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from hosho.api.auth import CurrentActor, HoshoDep
from hosho.api.problems import responses
from hosho.certificates.data import certificate_data
from hosho.certificates.pdf import render_certificate
from hosho.domain.contract import Status
from hosho.service import contracts, lookup
from hosho.service.commands import ID_MAX, Enrol, MakerReplacement, Pay, ReportChange, TransferOwnership
from hosho.service.results import AuditEntry, ContractPage, ContractView

router = APIRouter(tags=["contracts"], responses=responses(401, 422, 500))

# Beyond it the offset (page × per_page) leaves what any database can skip in a request.
PAGE_MAX = 1_000_000
ContractId = Annotated[int, Path(ge=1, le=ID_MAX, description="The contract's id")]


@router.post(
    "/contracts",
    operation_id="createContract",
    status_code=201,
    response_model=ContractView,
    summary="Enrol a contract",
    description="Opens a pending contract (no certificate before payment, zest 第1条). With an `Idempotency-Key`, "
    "a repeat of the same request answers 200 with the first contract; the same key with a different body is a "
    "409 `idempotency_conflict`. The terms refuse with 422 and the clauses (e.g. `whole_system_required`).",
    responses={**responses(403, 409), 200: {"model": ContractView, "description": "An idempotent repeat"}},
)
def enrol(
    body: Enrol,
    response: Response,
    hosho: HoshoDep,
    actor: CurrentActor,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200, description="Makes retries safe")
    ] = None,
) -> ContractView:
    view, created = contracts.enroll(hosho, actor, body, idempotency_key=idempotency_key)
    response.status_code = 201 if created else 200
    response.headers["Location"] = f"/v1/contracts/{view.id}"
    return view


@router.get(
    "/contracts",
    operation_id="searchContracts",
    response_model=ContractPage,
    summary="Search contracts",
    description="Every filter is optional and they combine. Certificate and serial numbers ignore width, case and "
    "hyphens; phones compare digits only (full- or half-width); a name matches as a prefix, width, spacing and "
    "hiragana/katakana folded: written in kana it searches the furigana (or a name written in kana) and the "
    "results come in kana order, otherwise the name as written, in its order. Matches are counted up to 1,000 "
    "(`total_capped` when there are more). A retailer key sees its own channel only.",
)
def search(
    hosho: HoshoDep,
    actor: CurrentActor,
    certificate_number: Annotated[str | None, Query(max_length=40)] = None,
    serial: Annotated[str | None, Query(max_length=200)] = None,
    phone: Annotated[str | None, Query(max_length=40)] = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
    status: Status | None = None,
    program: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ContractPage:
    return lookup.search(
        hosho,
        actor,
        certificate_number=certificate_number,
        serial=serial,
        phone=phone,
        name=name,
        status=status.value if status else None,
        program=program,
        page=page,
        per_page=per_page,
    )


@router.get(
    "/contracts/{contract_id}",
    operation_id="getContract",
    response_model=ContractView,
    summary="A contract",
    responses=responses(404),
)
def get_contract(contract_id: ContractId, hosho: HoshoDep, actor: CurrentActor) -> ContractView:
    """The contract with its plan, coverage, subscriber, equipment and repair cases."""
    return contracts.get(hosho, actor, contract_id)


@router.post(
    "/contracts/{contract_id}/payment",
    operation_id="createPayment",
    response_model=ContractView,
    summary="Record the fee as received",
    description="Activates the contract and issues its certificate number (zest 第1条); `clauses` names the labels.",
    responses=responses(403, 404, 409),
)
def pay(contract_id: ContractId, body: Pay, hosho: HoshoDep, actor: CurrentActor) -> ContractView:
    return contracts.pay_fee(hosho, actor, contract_id, body)


@router.get(
    "/contracts/{contract_id}/certificate.pdf",
    operation_id="getCertificatePdf",
    response_class=Response,
    summary="The certificate (加入者証) as PDF",
    description="A4, in Japanese, with the key clauses of the terms whole. A contract no longer in force gets its "
    "certificate marked on every page with its status and date (解約済, 譲渡により終了, 代替品提供により終了, "
    "期間満了). "
    "409 `not_paid` before the fee is received; 409 `certificate_unavailable` when the program's call center has "
    "no phone number set.",
    responses={
        **responses(404, 409),
        200: {
            "description": "The certificate, an A4 PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
    },
)
def certificate_pdf(contract_id: ContractId, hosho: HoshoDep, actor: CurrentActor) -> Response:
    row, contract = contracts.certificate_row(hosho, actor, contract_id)
    data = certificate_data(row, contract, today=hosho.today())
    return Response(
        render_certificate(data),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{data.certificate_number}.pdf"'},
    )


@router.post(
    "/contracts/{contract_id}/change-reports",
    operation_id="createChangeReport",
    response_model=ContractView,
    summary="Report changed contact details",
    description="zest 第4条第1項(1): name, phone, address or e-mail changed. The audit trail records which fields "
    "changed, never their values.",
    responses=responses(403, 404, 409),
)
def report_change(contract_id: ContractId, body: ReportChange, hosho: HoshoDep, actor: CurrentActor) -> ContractView:
    return contracts.report_changes(hosho, actor, contract_id, body)


@router.post(
    "/contracts/{contract_id}/ownership-transfer",
    operation_id="createOwnershipTransfer",
    response_model=ContractView,
    summary="Record a transfer of the product",
    description="The contract does not follow the product (zest 第6条(4)): later requests are not covered.",
    responses=responses(403, 404, 409),
)
def transfer(contract_id: ContractId, body: TransferOwnership, hosho: HoshoDep, actor: CurrentActor) -> ContractView:
    return contracts.transfer(hosho, actor, contract_id, body)


@router.post(
    "/contracts/{contract_id}/manufacturer-replacement",
    operation_id="createMakerReplacement",
    response_model=ContractView,
    summary="Record a replacement by the maker",
    description="The period does not change (zest 第2条第1項); an unreported replacement voids cover until it is "
    "reported (第4条第1項(2)).",
    responses=responses(403, 404, 409),
)
def maker_replacement(
    contract_id: ContractId, body: MakerReplacement, hosho: HoshoDep, actor: CurrentActor
) -> ContractView:
    return contracts.replace_by_maker(hosho, actor, contract_id, body)


@router.get(
    "/contracts/{contract_id}/audit",
    operation_id="listContractAudit",
    response_model=list[AuditEntry],
    summary="The contract's audit trail",
    description="Who did what and when, with the contract's state before and after (no personal data).",
    responses=responses(404),
)
def audit(contract_id: ContractId, hosho: HoshoDep, actor: CurrentActor) -> list[AuditEntry]:
    return contracts.audit_trail(hosho, actor, contract_id)
