"""`--json` on list and show commands: the API's own shapes, so scripts and apps share parsers."""

import json

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.models import Discrepancy, OcrJob, Photo
from app.schemas.auth import DeviceKeyRead, UserRead
from app.schemas.jobs import OcrJobRead
from tests.auth.conftest import CONTEST, KEC_IN, TPS_IN
from tests.cli.conftest import Run


def _json(rekap_run: Run, *args: str) -> object:
    result = rekap_run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_users_and_keys_lists_have_the_api_fields_and_never_a_secret(
    rekap_run: Run, regions: list[str]
):
    assert (
        rekap_run(
            "users",
            "create",
            "--username",
            "ana",
            "--password",
            "password1",
            "--role",
            "ppk",
            "--scope",
            KEC_IN,
        ).exit_code
        == 0
    )
    made = rekap_run("keys", "create", "--tps", TPS_IN, "--label", "HP 1")
    secret = made.stdout.strip().splitlines()[-1]
    users = _json(rekap_run, "users", "list")
    assert users == [
        {
            "username": "ana",
            "role": "ppk",
            "scopes": [KEC_IN],
            "disabled": False,
            "created_at": users[0]["created_at"],
        }
    ]
    assert set(users[0]) == set(UserRead.model_fields)
    keys = _json(rekap_run, "keys", "list", "--region", KEC_IN)
    assert [k["region_code"] for k in keys] == [TPS_IN]
    assert set(keys[0]) == set(DeviceKeyRead.model_fields)
    assert secret.split(".", 1)[1] not in json.dumps(keys)


def _discrepancy(session: Session) -> int:
    row = Discrepancy(
        identity="PASLON_SUM|pkwkp-16|tps|x",
        rule="PASLON_SUM",
        severity="error",
        contest_id=CONTEST,
        region_code=TPS_IN,
        tps_code=TPS_IN,
        kecamatan_code=KEC_IN,
        kabupaten_code="1671",
        provinsi_code="16",
        field="suara_sah",
        expected=328,
        actual=336,
        delta=8,
        message="Σ suara paslon 336 ≠ suara sah 328",
    )
    session.add(row)
    session.commit()
    assert row.id is not None
    return row.id


def test_discrepancies_list_and_show_print_what_the_api_answers(
    rekap_run: Run, regions: list[str], session: Session, client: TestClient
):
    found = _discrepancy(session)
    listed = _json(rekap_run, "discrepancies", "list", "--region", KEC_IN)
    assert listed == client.get("/api/v1/discrepancies", params={"region": KEC_IN}).json()
    shown = _json(rekap_run, "discrepancies", "show", str(found))
    assert shown == client.get(f"/api/v1/discrepancies/{found}").json()
    assert rekap_run("discrepancies", "show", "999999").exit_code == 3


def test_discrepancies_list_takes_a_region_by_name_as_the_api_does(
    rekap_run: Run, regions: list[str], session: Session, client: TestClient
):
    _discrepancy(session)
    by_name = _json(rekap_run, "discrepancies", "list", "--region-name", "kec 167101")
    assert by_name == client.get("/api/v1/discrepancies", params={"region": KEC_IN}).json()
    assert len(by_name["items"]) == 1
    ambiguous = rekap_run("discrepancies", "list", "--region-name", "KEC 1671")
    assert ambiguous.exit_code == 2, ambiguous.output
    assert KEC_IN in ambiguous.output and "167102" in ambiguous.output
    unknown = rekap_run("discrepancies", "list", "--region-name", "Atlantis")
    assert unknown.exit_code == 2 and "Atlantis" in unknown.output
    both = rekap_run("discrepancies", "list", "--region", KEC_IN, "--region-name", "kec 167101")
    assert both.exit_code == 2 and "not both" in both.output


def test_jobs_list_and_show(rekap_run: Run, regions: list[str], session: Session):
    photo = Photo(
        sha256="a" * 64,
        tps_code=TPS_IN,
        contest_id=CONTEST,
        kecamatan_code=KEC_IN,
        kabupaten_code="1671",
        phash="0" * 64,
        size=1,
        width=1,
        height=1,
        format="JPEG",
        uploaded_by="test",
    )
    session.add(photo)
    session.flush()
    assert photo.id is not None
    jobs = [
        OcrJob(photo_id=photo.id),
        OcrJob(
            photo_id=photo.id,
            status="failed",
            attempts=3,
            last_error="lease expired after 3 attempts",
        ),
    ]
    session.add_all(jobs)
    session.commit()
    listed = _json(rekap_run, "jobs", "list", "--status", "failed")
    assert [(j["id"], j["status"], j["tps_code"]) for j in listed] == [
        (jobs[1].id, "failed", TPS_IN)
    ]
    assert set(listed[0]) == set(OcrJobRead.model_fields)
    shown = _json(rekap_run, "jobs", "show", str(jobs[0].id))
    assert shown["status"] == "queued" and shown["photo_id"] == photo.id
    assert rekap_run("jobs", "list", "--status", "bogus").exit_code == 2
