"""The issue's acceptance cases, spelled out: a KPPS key or a PPK outside its patch gets 403 and
nothing is stored; inside, the write lands and names who made it."""

from sqlmodel import col, func, select

from app.models import AuditRecord, DHasilVersion, Submission
from tests.auth.conftest import CONTEST, DESA_OUT, KEC_OUT, TPS_IN, TPS_OUT, Identities
from tests.chaining import chain_now
from tests.domain.forms import BASE

RESULT = {"contest_id": CONTEST, "values": BASE}


def _count(session, model) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_kpps_key_cannot_post_for_another_tps(client, session, identities: Identities):
    resp = client.post(
        f"/api/v1/tps/{TPS_OUT}/results", json=RESULT, headers=identities.headers["kpps"]
    )
    assert resp.status_code == 403
    assert resp.json()["error"] == "Forbidden"
    assert _count(session, Submission) == 0


def test_kpps_key_posts_for_its_own_tps_and_is_named(client, session, identities: Identities):
    resp = client.post(
        f"/api/v1/tps/{TPS_IN}/results", json=RESULT, headers=identities.headers["kpps"]
    )
    assert resp.status_code == 201, resp.text
    sub = session.get(Submission, resp.json()["submission_id"])
    assert sub is not None and sub.submitted_by == f"device:{identities.device_key_id}"
    chain_now(session)
    last = session.exec(select(AuditRecord).order_by(col(AuditRecord.seq).desc())).first()
    assert last is not None and last.action == "submission.create"
    assert last.actor == f"device:{identities.device_key_id}" and last.remote == "testclient"


def test_ppk_outside_its_kecamatan_gets_403_and_nothing_is_stored(client, session, identities):
    ppk = identities.headers["ppk"]
    assert (
        client.post(f"/api/v1/tps/{TPS_OUT}/results", json=RESULT, headers=ppk).status_code == 403
    )
    dhasil = {"contest_id": CONTEST, "desa": {DESA_OUT: BASE}, "total": BASE}
    resp = client.put(f"/api/v1/kecamatan/{KEC_OUT}/dhasil", json=dhasil, headers=ppk)
    assert resp.status_code == 403
    assert _count(session, Submission) == 0 and _count(session, DHasilVersion) == 0


def test_bawaslu_cannot_post_results_anywhere(client, identities: Identities):
    resp = client.post(
        f"/api/v1/tps/{TPS_IN}/results", json=RESULT, headers=identities.headers["bawaslu"]
    )
    assert resp.status_code == 403


def test_anonymous_write_is_401_even_with_public_reading(client, identities: Identities):
    resp = client.post(f"/api/v1/tps/{TPS_IN}/results", json=RESULT)
    assert resp.status_code == 401
    assert client.get(f"/api/v1/tps/{TPS_IN}").status_code == 200
