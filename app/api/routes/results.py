"""POST /tps/{tps}/results, GET /tps/{tps}, PUT /kecamatan/{code}/dhasil,
GET /regions/{code}/tally."""

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from sqlmodel import Session

from app.api.deps import KecamatanWriterDep, RegionReaderDep, SessionDep, TpsReaderDep, TpsWriterDep
from app.schemas.results import DHasilPut, DHasilSaved, ResultCreate, ResultCreated, Tally, TpsView
from app.services.access import Principal
from app.services.intake import put_dhasil, submit_result
from app.services.tally import region_tally, tps_view

router = APIRouter(tags=["results"])


@router.post("/tps/{tps}/results", status_code=201, response_model=ResultCreated)
def post_result(
    tps: str,
    body: ResultCreate,
    session: SessionDep,
    principal: TpsWriterDep,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> JSONResponse:
    """Store a C.Hasil submission (201); a replayed Idempotency-Key gets the first answer (200)."""
    return result_answer(session, tps, body, principal, idempotency_key)


def result_answer(
    session: Session, tps: str, body: ResultCreate, principal: Principal, key: str | None
) -> JSONResponse:
    """The stored post's answer, for this route and for the short path in front of the router
    (app/api/lean_intake.py): the same call, the same JSON."""
    status, answer = submit_result(
        session=session,
        tps_code=tps,
        body=body,
        actor=principal.actor,
        writer_role=principal.role,
        idempotency_key=key,
        remote=principal.remote,
    )
    return JSONResponse(answer.model_dump(mode="json"), status_code=status)


@router.get("/tps/{tps}", response_model=TpsView)
def read_tps(tps: str, session: SessionDep, _: TpsReaderDep) -> TpsView:
    """A TPS: per contest the accepted values, every submission, photos and discrepancies."""
    return tps_view(session=session, tps_code=tps)


@router.put("/kecamatan/{code}/dhasil", response_model=DHasilSaved)
def put_kecamatan_dhasil(
    code: str, body: DHasilPut, session: SessionDep, principal: KecamatanWriterDep
) -> DHasilSaved:
    """Store a new D.Hasil Kecamatan version and reconcile the kecamatan."""
    return put_dhasil(
        session=session,
        kecamatan_code=code,
        body=body,
        actor=principal.actor,
        remote=principal.remote,
    )


@router.get("/regions/{code}/tally", response_model=Tally)
def read_tally(
    code: str,
    session: SessionDep,
    _: RegionReaderDep,
    contest: Annotated[str, Query(max_length=20)],
) -> Tally:
    """Σ accepted values under a region for one contest."""
    return region_tally(session=session, code=code, contest_id=contest)
