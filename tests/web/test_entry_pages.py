"""The PPK's entry pages through TestClient: a typed C.Hasil stored through the API's service
(and audited), a sum that does not hold refused per field with nothing stored, a correction
that must say why, the service's own refusals shown per field in Indonesian, one save on a
double submit, scope and CSRF; the D.Hasil table saved as a new version the same way."""

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import AuditRecord, DHasilVersion, Photo, Submission
from app.models import auth as audit_tables
from app.web.flash import FLASH_COOKIE
from tests.domain.forms import BASE
from tests.factories import add_regions
from tests.web.conftest import (
    DESA_A,
    DESA_B,
    DESA_OTHER,
    GUB,
    KEC,
    KEC2,
    TPS_A1,
    TPS_A2,
    World,
    csrf,
)
from tests.web.test_language import _problems, _Text

SignedIn = Callable[[str], TestClient]


def _count(session: Session, model: type, **where: object) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return int(session.exec(stmt).one())


def _entry(client: TestClient, tps: str, values: dict[str, int], **extra: str) -> dict[str, str]:
    """The posted form of the entry page: what the page itself carries, then the typed values."""
    page = client.get(f"/tps/{tps}/entry?contest={GUB}")
    assert page.status_code == 200, page.text
    key = re.search(r'name="key" value="([^"]+)"', page.text)
    assert key
    data = {"csrf_token": csrf(client), "contest": GUB, "key": key.group(1), "source": "ppk"}
    data |= {f"v_{name}": str(value) for name, value in values.items()}
    return data | extra


def _audited(
    session: Session, action: str, entity_id: object
) -> list[tuple[str, dict[str, object]]]:
    """(actor, payload) of the audit entries of one write, chained or still in the outbox (an
    entry is in exactly one of the two tables)."""
    found = []
    for model in (AuditRecord, getattr(audit_tables, "AuditOutbox", None)):
        if model is None:
            continue
        stmt = select(model).where(model.action == action, model.entity_id == str(entity_id))
        found += [(row.actor, row.payload) for row in session.exec(stmt)]
    return found


def _ppk_submission(session: Session, tps: str) -> Submission:
    stmt = select(Submission).where(Submission.tps_code == tps, Submission.source == "ppk")
    return session.exec(stmt.order_by(col(Submission.id))).first()  # type: ignore[return-value]


def test_the_entry_page_is_laid_out_like_the_paper_form(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    tps_page = client.get(f"/tps/{TPS_A2}")
    assert f'href="/tps/{TPS_A2}/entry?contest={GUB}"' in tps_page.text
    page = client.get(f"/tps/{TPS_A2}/entry?contest={GUB}")
    assert page.status_code == 200
    text = page.text
    for legend in ("I. Data pemilih", "II. Data penggunaan surat suara", "III. Pemilih disabilitas",
                   "IV. Perolehan suara pasangan calon", "V. Suara sah dan tidak sah"):  # fmt: skip
        assert legend in text
    assert "<th>L</th><th>P</th><th>J</th>" in text
    assert "3. Paslon 3" in text and 'name="v_suara_paslon_3"' in text
    assert 'name="v_suara_paslon_4"' not in text  # the contest has three paslon
    assert 'name="v_pengguna_dpk_p"' in text and 'value=""' in text  # a new entry starts blank
    photo = session.exec(select(Photo).where(Photo.tps_code == TPS_A2, Photo.page == 2)).one()
    sheets = dict(re.findall(r'<div class="sheet" id="sheet-(\d)">(.*?)</aside>', text, re.S))
    assert f'<img src="/photos/{photo.id}/image"' in sheets["2"]  # the page-2 photo beside IV
    assert "Belum ada foto lembar ini." in sheets["1"] and "<img" not in sheets["1"]


def test_a_typed_c_hasil_is_stored_through_the_service_audited_and_named_once(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    before = _count(session, Submission)
    resp = client.post(f"/tps/{TPS_A2}/entry", data=_entry(client, TPS_A2, BASE),
                       follow_redirects=False)  # fmt: skip
    assert resp.status_code == 303, resp.text
    assert resp.headers["location"] == f"/tps/{TPS_A2}#contest-{GUB}"
    assert _count(session, Submission) == before + 1
    sub = session.exec(select(Submission).order_by(col(Submission.id).desc())).first()
    assert sub is not None and sub.values == BASE and sub.tps_code == TPS_A2
    assert sub.source == "ppk" and sub.submitted_by == f"user:{world.ppk}"
    [(actor, payload)] = _audited(session, "submission.create", sub.id)
    assert actor == f"user:{world.ppk}" and payload["values"] == BASE
    page = client.get(f"/tps/{TPS_A2}")
    flash = re.search(r'<div class="alert ok" role="status" id="flash">(.*?)</div>', page.text)
    assert flash and f"Kiriman #{sub.id} tersimpan." in flash.group(1)
    assert "Formulir ini tidak memuat temuan." in flash.group(1)
    assert FLASH_COOKIE not in client.cookies  # shown once
    assert 'id="flash"' not in client.get(f"/tps/{TPS_A2}").text


def test_a_sum_that_does_not_hold_is_refused_per_field_and_nothing_is_stored(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    before = _count(session, Submission)
    typed = BASE | {"suara_sah": 300, "suara_total": 308}  # Σ paslon is 310
    resp = client.post(f"/tps/{TPS_A2}/entry", data=_entry(client, TPS_A2, typed))
    assert resp.status_code == 422
    assert _count(session, Submission) == before
    error = re.search(r'<small class="field-error" id="err-v_suara_sah">([^<]*)</small>', resp.text)
    assert error and error.group(1) == "Σ suara paslon 310 ≠ suara sah 300 (selisih 10)"
    assert 'name="v_suara_sah" id="f-v_suara_sah" value="300"' in resp.text  # typed kept
    assert 'id="err-v_suara_total"' not in resp.text  # 300 + 8 = 308 holds
    # The paper really says so: stored as written, with the form's own finding named.
    written = _entry(client, TPS_A2, typed, as_written="1")
    saved = client.post(f"/tps/{TPS_A2}/entry", data=written, follow_redirects=False)
    assert saved.status_code == 303 and _count(session, Submission) == before + 1
    assert (
        "PASLON_SUM: Σ suara paslon 310 ≠ suara sah 300"
        in client.get(saved.headers["location"]).text
    )


def test_a_value_that_is_not_a_count_is_refused_naming_the_field(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    before = _count(session, Submission)
    data = _entry(client, TPS_A2, BASE) | {"v_surat_rusak": "3a"}
    resp = client.post(f"/tps/{TPS_A2}/entry", data=data)
    assert resp.status_code == 422 and _count(session, Submission) == before
    assert 'id="err-v_surat_rusak">harus angka bulat' in resp.text


def test_a_correction_must_say_why_and_then_replaces_the_submission_it_names(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    target = _ppk_submission(session, TPS_A1)
    link = f'href="/tps/{TPS_A1}/entry?contest={GUB}&amp;corrects={target.id}"'
    assert link in client.get(f"/tps/{TPS_A1}").text  # beside the submission on the TPS page
    page = client.get(f"/tps/{TPS_A1}/entry?contest={GUB}&corrects={target.id}")
    assert f'name="corrects" value="{target.id}"' in page.text
    assert 'name="v_suara_paslon_1" id="f-v_suara_paslon_1" value="150"' in page.text  # accepted
    before = _count(session, Submission)
    fixed = BASE | {"suara_paslon_1": 140, "suara_paslon_3": 70}
    data = _entry(client, TPS_A1, fixed, corrects=str(target.id))
    refused = client.post(f"/tps/{TPS_A1}/entry", data=data)
    assert refused.status_code == 422 and _count(session, Submission) == before
    assert '<li data-key="reason">' in refused.text and 'id="err-reason"' in refused.text
    data["reason"] = "Salah baca plano: 10 suara paslon 3 tercatat untuk paslon 1."
    saved = client.post(f"/tps/{TPS_A1}/entry", data=data, follow_redirects=False)
    assert saved.status_code == 303
    sub = session.exec(select(Submission).order_by(col(Submission.id).desc())).first()
    assert sub is not None and sub.supersedes_id == target.id and sub.reason == data["reason"]


def test_the_services_refusal_is_shown_per_field_in_indonesian(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    plenary = Submission(
        tps_code=TPS_A2, contest_id=GUB, kecamatan_code=KEC, source="plenary",
        submitted_by="user:t-admin", reason="pleno", values=dict(BASE),
    )  # fmt: skip
    session.add(plenary)
    session.commit()
    client = signed_in(world.ppk)
    before = _count(session, Submission)
    data = _entry(client, TPS_A2, BASE, corrects=str(plenary.id), reason="salah ketik")
    resp = client.post(f"/tps/{TPS_A2}/entry", data=data)
    assert resp.status_code == 403 and _count(session, Submission) == before
    assert "kiriman PPK tidak boleh mengoreksi kiriman koreksi pleno" in resp.text
    assert '<li data-key="corrects">' in resp.text


def test_a_double_submit_stores_one_submission(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    before = _count(session, Submission)
    data = _entry(client, TPS_A2, BASE)
    first = client.post(f"/tps/{TPS_A2}/entry", data=data, follow_redirects=False)
    second = client.post(f"/tps/{TPS_A2}/entry", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert _count(session, Submission) == before + 1


def test_only_a_ppk_of_the_kecamatan_or_an_admin_enters_numbers(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    before = _count(session, Submission), _count(session, DHasilVersion)
    other = signed_in(world.ppk_other)
    assert other.get(f"/tps/{TPS_A2}/entry?contest={GUB}").status_code == 403
    data = {"csrf_token": csrf(other), "contest": GUB} | {f"v_{k}": str(v) for k, v in BASE.items()}
    assert other.post(f"/tps/{TPS_A2}/entry", data=data).status_code == 403
    assert other.get(f"/recap/{KEC}/entry?contest={GUB}").status_code == 403
    assert other.post(f"/recap/{KEC}/entry", data=data | {"version": "1"}).status_code == 403
    auditor = signed_in(world.bawaslu)
    assert auditor.get(f"/tps/{TPS_A2}/entry?contest={GUB}").status_code == 403
    assert 'id="entry-' not in auditor.get(f"/tps/{TPS_A2}").text  # no link either
    admin = signed_in(world.admin)
    assert admin.get(f"/tps/{TPS_A2}/entry?contest={GUB}").status_code == 200
    assert (_count(session, Submission), _count(session, DHasilVersion)) == before


def test_a_post_without_the_csrf_token_is_refused(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    before = _count(session, Submission)
    data = _entry(client, TPS_A2, BASE) | {"csrf_token": "forged"}
    assert client.post(f"/tps/{TPS_A2}/entry", data=data).status_code == 403
    dhasil = {"contest": GUB, "version": "1", "reason": "x", "t_suara_sah": "1"}
    assert client.post(f"/recap/{KEC}/entry", data=dhasil).status_code == 403
    assert _count(session, Submission) == before
    assert _count(session, DHasilVersion, kecamatan_code=KEC) == 1


def _dhasil_form(client: TestClient, session: Session) -> dict[str, str]:
    """The D.Hasil page's form as shown (prefilled from the current version)."""
    page = client.get(f"/recap/{KEC}/entry?contest={GUB}")
    assert page.status_code == 200, page.text
    data = dict(re.findall(r'<input type="(?:text|hidden)"[^>]* name="([^"]+)"[^>]*value="([^"]*)"',
                           page.text))  # fmt: skip
    assert data["version"] == "1" and data["csrf_token"] == csrf(client)
    return data


def test_a_dhasil_is_saved_as_a_new_version_through_the_service(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    assert f'href="/recap/{KEC}/entry?contest={GUB}"' in client.get(f"/recap/{KEC}").text
    data = _dhasil_form(client, session)
    current = session.exec(select(DHasilVersion).where(DHasilVersion.kecamatan_code == KEC)).one()
    assert data[f"d_{DESA_A}_suara_paslon_2"] == str(current.desa[DESA_A]["suara_paslon_2"])
    # move the 15 votes back in desa A (its column and the total stay consistent)
    for prefix in (f"d_{DESA_A}_", "t_"):
        data[prefix + "suara_paslon_2"] = str(int(data[prefix + "suara_paslon_2"]) - 15)
        data[prefix + "suara_paslon_1"] = str(int(data[prefix + "suara_paslon_1"]) + 15)
    refused = client.post(f"/recap/{KEC}/entry", data=data)
    assert refused.status_code == 422 and '<li data-key="reason">' in refused.text
    # desa B's column still says suara sah 300 against Σ paslon 310 (its own sum)
    assert f'id="err-d_{DESA_B}_suara_sah">Σ suara paslon 310 ≠ suara sah 300' in refused.text
    assert _count(session, DHasilVersion, kecamatan_code=KEC) == 1
    for name, change in (("suara_sah", 10), ("suara_tidak_sah", -10)):
        for prefix in (f"d_{DESA_B}_", "t_"):
            data[prefix + name] = str(int(data[prefix + name]) + change)
    data["reason"] = "Pleno: salah pindah 15 suara di desa A"
    saved = client.post(f"/recap/{KEC}/entry", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/recap/{KEC}?contest={GUB}"
    new = session.exec(select(DHasilVersion).where(DHasilVersion.version == 2)).one()
    assert new.desa[DESA_A]["suara_paslon_2"] == current.desa[DESA_A]["suara_paslon_2"] - 15
    assert new.reason == data["reason"] and new.entered_by == f"user:{world.ppk}"
    [(actor, payload)] = _audited(session, "dhasil.put", new.id)
    assert actor == f"user:{world.ppk}" and payload["reason"] == data["reason"]
    assert "D.Hasil versi 2 tersimpan." in client.get(saved.headers["location"]).text
    stale = client.post(f"/recap/{KEC}/entry", data=data)  # the page still says version 1
    assert stale.status_code == 409 and 'id="entry-stale"' in stale.text
    assert _count(session, DHasilVersion, kecamatan_code=KEC) == 2


def test_a_dhasil_whose_desa_columns_miss_the_total_is_refused(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    data = _dhasil_form(client, session) | {"reason": "koreksi"}
    written = int(data["t_suara_tidak_sah"])
    data["t_suara_tidak_sah"] = str(written + 4)
    data["t_suara_total"] = str(int(data["t_suara_total"]) + 4)  # the total column holds
    resp = client.post(f"/recap/{KEC}/entry", data=data)
    assert resp.status_code == 422
    error = re.search(r'id="err-t_suara_tidak_sah">([^<]*)<', resp.text)
    assert error, resp.text
    assert error.group(1) == f"Σ desa {written} ≠ jumlah suara tidak sah {written + 4} (selisih 4)"
    assert f'id="err-d_{DESA_B}_suara_tidak_sah"' not in resp.text
    assert _count(session, DHasilVersion, kecamatan_code=KEC) == 1


def test_the_first_dhasil_of_a_kecamatan_needs_no_reason(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.admin)
    page = client.get(f"/recap/{KEC2}/entry?contest={GUB}")
    assert "Belum ada versi; ini versi 1." in page.text
    assert f'name="d_{DESA_OTHER}_suara_sah" id="f-d_{DESA_OTHER}_suara_sah" value=""' in page.text
    data = {"csrf_token": csrf(client), "contest": GUB, "version": "0"}
    for prefix in (f"d_{DESA_OTHER}_", "t_"):
        data |= {prefix + name: str(value) for name, value in BASE.items()}
    saved = client.post(f"/recap/{KEC2}/entry", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    version = session.exec(select(DHasilVersion).where(DHasilVersion.kecamatan_code == KEC2)).one()
    assert version.version == 1 and version.reason is None
    assert version.desa == {DESA_OTHER: BASE} and version.total == BASE


def test_the_entry_pages_read_in_indonesian(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    client = signed_in(world.ppk)
    target = _ppk_submission(session, TPS_A1)
    refused = client.post(
        f"/tps/{TPS_A2}/entry",
        data=_entry(client, TPS_A2, BASE | {"suara_sah": 300, "surat_rusak": "x"}),  # type: ignore[dict-item]
    )
    pages = {
        "entry": client.get(f"/tps/{TPS_A2}/entry?contest={GUB}").text,
        "correct": client.get(f"/tps/{TPS_A1}/entry?contest={GUB}&corrects={target.id}").text,
        "dhasil": client.get(f"/recap/{KEC}/entry?contest={GUB}").text,
        "refused": refused.text,
    }
    problems = {}
    for name, html in pages.items():
        parser = _Text()
        parser.feed(html)
        found = _problems(" | ".join(parser.text))
        if found:
            problems[name] = found
    assert problems == {}


def test_a_kecamatan_with_many_desa_is_saved_whole(
    signed_in: SignedIn, world: World, session: Session
) -> None:
    many = [f"{KEC2}{2000 + n}" for n in range(40)]  # 41 columns x 30 fields: over 1,000 inputs
    add_regions(session, many)
    session.commit()
    client = signed_in(world.admin)
    data = {"csrf_token": csrf(client), "contest": GUB, "version": "0"}
    for desa in [DESA_OTHER, *many]:
        data |= {f"d_{desa}_{name}": str(value) for name, value in BASE.items()}
    data |= {f"t_{name}": str(41 * value) for name, value in BASE.items()}
    assert len(data) > 1000
    saved = client.post(f"/recap/{KEC2}/entry", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:500]
    version = session.exec(select(DHasilVersion).where(DHasilVersion.kecamatan_code == KEC2)).one()
    assert len(version.desa) == 41 and version.total["suara_sah"] == 41 * BASE["suara_sah"]
