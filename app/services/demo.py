"""`rekap demo`: load the Sumatera Selatan dataset (app/demo) into the database."""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, select

from app.demo.build import CONTESTS, DemoDataset, build_dataset
from app.demo.sources import DATA_DIR, PROVINCE
from app.models import DHasilVersion, Region, Submission
from app.services.demo_photos import add_president
from app.services.importers import (
    RegionRow,
    import_paslon,
    insert_tps,
    upsert_regions,
)

Progress = Callable[[str, int], None]  # (step description, units done)
# The PPK entries are dated the day after election day (27 Nov 2024), WIB = UTC+7.
ENTERED_AT = datetime(2024, 11, 28, 3, 0, tzinfo=UTC)
BATCH = 2000


def database_is_empty(*, session: Session) -> bool:
    """True when no region is stored yet (`rekap demo --if-empty`)."""
    return session.exec(select(func.count()).select_from(Region)).one() == 0


def _region_rows(dataset: DemoDataset) -> list[RegionRow]:
    rows = [RegionRow(PROVINCE, "provinsi", "SUMATERA SELATAN")]
    rows += [RegionRow(c, "kabupaten", n) for c, n in dataset.sources.kabupaten.items()]
    for plan in dataset.sources.kecamatan.values():
        rows.append(RegionRow(plan.code, "kecamatan", plan.name))
        rows += [RegionRow(d, "desa", name) for d, (name, _) in plan.desa.items()]
    return rows


def _batched(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def _submission_rows(dataset: DemoDataset) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for code, data in dataset.kecamatan.items():
        base = {"kecamatan_code": code, "submitted_at": ENTERED_AT, "reason": None}
        for form in data.forms:
            if form.tps_code in data.missing_tps:
                continue
            for contest in CONTESTS:
                rows.append(
                    base
                    | {
                        "tps_code": form.tps_code,
                        "contest_id": dataset.contest_id(contest, code),
                        "source": "ppk",
                        "submitted_by": f"demo-ppk-{code}",
                        "values": getattr(form, contest),
                    }
                )
        for extra in data.extra:
            rows.append(
                base
                | {
                    "tps_code": extra.tps_code,
                    "contest_id": dataset.contest_id(extra.contest, code),
                    "source": extra.source,
                    "submitted_by": f"demo-{extra.source}",
                    "values": extra.values,
                }
            )
    return rows


def _dhasil_rows(dataset: DemoDataset) -> list[dict[str, Any]]:
    return [
        {
            "kecamatan_code": code,
            "contest_id": dataset.contest_id(contest, code),
            "version": 1,
            "entered_by": f"demo-ppk-{code}",
            "entered_at": ENTERED_AT,
            "reason": None,
            "desa": data.dhasil[contest],
            "total": data.dhasil_total[contest],
        }
        for code, data in dataset.kecamatan.items()
        for contest in CONTESTS
    ]


def load_demo(*, session: Session, seed: int, progress: Progress | None = None) -> DemoDataset:
    """Insert regions, contests, TPS, PPK submissions and D.Hasil versions of the demo."""
    step = progress or (lambda _desc, _n: None)
    dataset = build_dataset(seed)
    upsert_regions(session=session, rows=_region_rows(dataset))
    step("regions", 1)
    for name, code in (("paslon-pkwkp.json", "pkwkp"), ("paslon-pkwkk.json", "pkwkk")):
        import_paslon(session=session, path=Path(DATA_DIR / name), contest_code=code)
    step("contests", 1)
    dpt = {
        f.tps_code: f.gubernur["pemilih_dpt_j"] for d in dataset.kecamatan.values() for f in d.forms
    }
    insert_tps(session=session, codes=list(dpt), dpt=dpt)
    step("tps", 1)
    for batch in _batched(_submission_rows(dataset)):
        session.execute(insert(Submission), batch)
        step("submissions", len(batch))
    add_president(session=session, dataset=dataset)
    step("president", 1)
    session.execute(insert(DHasilVersion), _dhasil_rows(dataset))
    session.flush()
    step("dhasil", 1)
    return dataset
