"""Why a field read from a photo goes to people, in words that match what the reader reported.

The reason is stored once (English, the API's language) and shown translated by the console;
both come from here so they cannot drift apart. One confidence is quoted: the field's own (the
probability of its value after every cap), never an alternative's uncapped probability.
"""

import re
from typing import Any

# English phrase → Bahasa Indonesia; longest first so "registration residual" wins over parts.
PHRASES_ID: dict[str, str] = {
    "boxes and bubbles disagree": "kotak angka dan bulatan tidak cocok",
    "read as blank": "terbaca kosong",
    "low confidence": "keyakinan rendah",
    "chosen so the sums hold": "dipilih agar jumlahnya cocok",
    "empty box without its frame lines": "kotak kosong tanpa garis bingkai",
    "box without its frame lines": "kotak tanpa garis bingkai",
    "frames not found": "garis kotak tidak ditemukan",
    "registration residual": "penyelarasan halaman meleset",
    "registration places": "penyelarasan halaman menemukan bingkai",
    "of the fields": "kolom",
    "registration": "penyelarasan halaman",
    "sum failed": "jumlah tidak cocok",
    "confidence": "keyakinan",
}


def unsure_reason(field: dict[str, Any], min_confidence: float) -> str | None:
    """Why this field needs a person, or None when the reading can stand alone."""
    conf = float(field.get("confidence", 0.0))
    if field.get("bubbles_agree") is False:
        head = "boxes and bubbles disagree"
    elif field.get("value") is None:
        head = "read as blank"  # a person confirms the box is empty: no number to be sure of
    elif conf < min_confidence:
        head = f"low confidence {conf:.2f}"
    else:
        return None
    why = list(field.get("capped_by") or [])
    if field.get("forced_by_sum"):
        why.append("chosen so the sums hold")
    return f"{head} ({'; '.join(why)})" if why else head


def reason_in(lang: str, reason: str) -> str:
    """A stored reason in the console's language: phrases translated, decimals with a comma."""
    if lang == "en":
        return reason
    text = reason
    for phrase in sorted(PHRASES_ID, key=len, reverse=True):
        text = text.replace(phrase, PHRASES_ID[phrase])
    return re.sub(r"(\d)\.(\d)", r"\1,\2", text)
