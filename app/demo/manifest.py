"""The planted problems as a Markdown table (docs/demo.md is this output; a test keeps it so)."""

from app.demo.build import DemoDataset, build_dataset

HEADER = """# The demo's planted problems

`rekap demo` (seed {seed}) plants one problem per consistency rule that needs no photo,
each in its own kecamatan of Sumatera Selatan. Everything else in the demo is consistent: recheck
reports exactly the discrepancies below and nothing more (a test checks it). Regenerate this page
with `python -m app.demo.manifest > docs/demo.md`.

The last row is not a plant but a real form: the presidential contest `ppwp-0` (Pemilu 2024, its
three paslon) is held at the first 8 unplanted TPS of the demo PPK's kecamatan, and the first of
them carries the numbers of the shared real page-2 photo, whose own page 3 breaks `PASLON_SUM`.

**Photos.** After loading, `rekap demo` uploads photos through the API's intake and reads them
with the real reader (`--photos N`, default 6; 0 skips): the real PPWP page-2 photo (uploaded for
that TPS, page 2), then five governor forms of the same kecamatan rendered from their numbers,
filled with held-out handwritten digits and photographed by the simulator (`ocr/forms/`,
`ocr/bench/photo_sim.py`): pages 1-3 of one TPS as normal photos, pages 2-3 of another in shadow
and blur. The rendered JPEGs are cached in `$REKAP_DATA_DIR/demo-photos/`. Fields that need a
person land in the review queue of `demo-ppk`; the readings add their own `LOW_CONFIDENCE`,
`READING_MISMATCH` or `PHOTO_METADATA` findings (the real photo's EXIF time is not election
day), which the table below does not list.

| plant | kecamatan | what was changed | discrepancies expected (rule · contest · where · field) |
|---|---|---|---|
"""


def manifest_markdown(dataset: DemoDataset, *, seed: int) -> str:
    """One table row per plant, listing the discrepancies an auditor must see."""
    rows = []
    for plant in dataset.plants:
        expected = "<br>".join(
            " · ".join(
                (e.rule, dataset.contest_id(e.contest, plant.kecamatan), e.scope, e.field or "–")
            )
            for e in plant.expected
        )
        rows.append(f"| {plant.name} | {plant.kecamatan} | {plant.description} | {expected} |")
    return HEADER.format(seed=seed) + "\n".join(rows) + "\n"


if __name__ == "__main__":
    from app.config import get_settings

    seed = get_settings().demo_seed
    print(manifest_markdown(build_dataset(seed), seed=seed), end="")  # noqa: T201
