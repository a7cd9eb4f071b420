"""`rekap bench ocr` end to end on one photo: JSON figures and the docs section are written."""

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import bench as bench_cli


def test_one_photo_benchmark_writes_json_and_only_its_docs_section(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## API\n\nother helper's figures\n")
    out = tmp_path / "ocr.json"
    args = ["ocr", "--pages", "1", "--hard", "0", "--seed", "5", "--out", str(out)]
    photos = tmp_path / "photos"
    result = CliRunner().invoke(
        bench_cli.app, [*args, "--docs", str(docs), "--photos", str(photos)]
    )
    assert result.exit_code == 0, result.output
    saved = sorted(photos.iterdir())
    assert [f.suffix for f in saved] == [".jpg", ".json"]
    assert saved[0].name.startswith("0000-normal-kwk-plano-2024-p") and saved[0].stem.endswith(
        "hal1"
    )
    truth = json.loads(saved[1].read_text())
    assert truth["page"] == 1 and len(truth["values"]) == 22
    figures = json.loads(out.read_text())["figures"]
    assert list(figures) == ["normal"]
    assert figures["normal"]["pages"] == 1
    assert figures["normal"]["page_identification"] == 1.0
    text = docs.read_text()
    assert "other helper's figures" in text
    assert "## OCR" in text and "rekap bench ocr --pages 1 --hard 0 --seed 5" in text


def test_more_hard_photos_than_photos_is_refused() -> None:
    result = CliRunner().invoke(bench_cli.app, ["ocr", "--pages", "2", "--hard", "3"])
    assert result.exit_code != 0
    assert "--hard cannot exceed --pages" in result.output
