"""Rules across forms and sources of one TPS: CROSS_CONTEST, SOURCES_DISAGREE, READING_MISMATCH."""

from collections.abc import Mapping, Sequence
from typing import Final

from app.domain.accepted import SubmissionValues, live_values, source_rank
from app.domain.fields import GENDERS, MAX_FORM_VALUE
from app.domain.findings import Finding
from app.domain.messages import label, sources_list

Values = Mapping[str, int | None]

# Same voters, two ballots: DPT and turnout must agree between the two Pilkada forms of one TPS.
CROSS_CONTEST_FIELDS: Final = tuple(
    f"{row}_{g}" for row in ("pemilih_dpt", "pengguna_total") for g in GENDERS
)
# Photo readings are compared with people's values by READING_MISMATCH, not here.
PHOTO_SOURCES: Final = frozenset({"ocr"})


def check_cross_contest(gubernur: Values, local: Values) -> list[Finding]:
    """CROSS_CONTEST: per DPT/turnout field, the gubernur form and the bupati/wali kota form of one
    TPS differ (warning). expected = the gubernur value, actual = the local contest's value;
    a field missing from either form is not applicable."""
    findings = []
    for name in CROSS_CONTEST_FIELDS:
        a, b = gubernur.get(name), local.get(name)
        if a is None or b is None or a == b:
            continue
        (name_id, name_en), d = label(name), abs(b - a)
        findings.append(
            Finding(
                "CROSS_CONTEST",
                "warning",
                name,
                a,
                b,
                f"{name_id}: formulir gubernur {a} ≠ formulir bupati/wali kota {b} (selisih {d})",
                f"{name_en}: governor form {a} ≠ regent/mayor form {b} (difference {d})",
                inputs=(name,),
            )
        )
    return findings


Current = list[tuple[SubmissionValues, dict[str, int]]]


def current_by_source(submissions: Sequence[SubmissionValues]) -> Current:
    """Each source's newest word per field: the newest live value of every field, per source."""
    live = live_values(submissions)
    newest: dict[tuple[str, str], SubmissionValues] = {}
    for s in sorted(submissions, key=lambda s: (s.submitted_at.timestamp(), s.submission_id)):
        for name in live[s.submission_id]:
            newest[(s.source, name)] = s
    picked: dict[int, dict[str, int]] = {}
    for (_source, name), s in newest.items():
        picked.setdefault(s.submission_id, {})[name] = live[s.submission_id][name]
    by_id = {s.submission_id: s for s in submissions}
    return [(by_id[sid], values) for sid, values in picked.items()]


def check_sources(submissions: Sequence[SubmissionValues]) -> list[Finding]:
    """SOURCES_DISAGREE: per field, the current values of different sources differ (warning).

    Compared per field: the newest value of each source, after corrections (`supersedes`) removed
    what they replaced; photo readings (`ocr`) are left to READING_MISMATCH and values outside
    0..999 to DIGIT_RANGE. One finding per field,
    its message lists every source's value; expected = the value of the most trusted source,
    actual = the most trusted value that differs from it.
    """
    per_field: dict[str, list[tuple[str, int, int]]] = {}
    for s, values in current_by_source(submissions):
        if s.source in PHOTO_SOURCES:
            continue
        for name, value in values.items():
            if 0 <= value <= MAX_FORM_VALUE:  # an impossible number is DIGIT_RANGE's alone
                per_field.setdefault(name, []).append((s.source, value, s.submission_id))
    findings = []
    for name, entries in sorted(per_field.items()):
        entries.sort(key=lambda e: (source_rank(e[0]), -e[2]))
        first = entries[0][1]
        other = next((value for _s, value, _id in entries if value != first), None)
        if other is None:
            continue
        listing = sources_list(entries)
        (name_id, name_en), d = label(name), abs(other - first)
        findings.append(
            Finding(
                "SOURCES_DISAGREE",
                "warning",
                name,
                first,
                other,
                f"{name_id} berbeda antar sumber: {listing} (selisih {d})",
                f"{name_en} differs between sources: {listing} (difference {d})",
                inputs=(name,),
                submission_ids=tuple(sid for _s, _v, sid in entries),
            )
        )
    return findings


def check_reading(ocr: Values, submitted: Values, *, source: str = "app") -> list[Finding]:
    """READING_MISMATCH: a value read from the photo differs from the one `source` submitted
    (error, per field; expected = the submitted value, actual = the reading)."""
    findings = []
    for name, read in sorted(ocr.items()):
        given = submitted.get(name)
        if read is None or given is None or read == given:
            continue
        (name_id, name_en), d = label(name), abs(read - given)
        findings.append(
            Finding(
                "READING_MISMATCH",
                "error",
                name,
                given,
                read,
                f"{name_id}: foto terbaca {read}, {source} mengirim {given} (selisih {d})",
                f"{name_en}: the photo reads {read}, {source} submitted {given} (difference {d})",
                inputs=(name,),
            )
        )
    return findings
