"""The planted problems as a Markdown table (docs/demo.md is this output; a test keeps it so)."""

from app.demo.build import DemoDataset, build_dataset

HEADER = """# The demo's planted problems

`rekap demo` (seed {seed}) plants one problem per consistency rule that needs no photo,
each in its own kecamatan of Sumatera Selatan. Everything else in the demo is consistent: recheck
reports exactly the discrepancies below and nothing more (a test checks it). Regenerate this page
with `python -m app.demo.manifest > docs/demo.md`.

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
