"""The content hash an audit record commits to: canonical, and sensitive to every covered field."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.domain.audit_content import ACTION_KINDS, CONTENT_FIELDS, content_hash, content_of
from app.services.audit_coverage import SOURCES

AT = datetime(2024, 11, 27, 13, 5, 7, 123456, tzinfo=UTC)
SUBMISSION = {
    "id": 7, "tps_code": "1671011001001", "contest_id": "pkwkp-16", "kecamatan_code": "167101",
    "source": "ppk", "submitted_by": "user:ana", "submitted_at": AT, "reason": None,
    "supersedes_id": None, "values": {"suara_sah": 310, "suara_paslon_1": 150},
    "confidence": None,
}  # fmt: skip


def test_key_order_and_time_zone_do_not_change_the_hash() -> None:
    reordered = dict(reversed(list(SUBMISSION.items())))
    reordered["values"] = {"suara_paslon_1": 150, "suara_sah": 310}
    assert content_hash("submission", reordered) == content_hash("submission", SUBMISSION)
    naive = {**SUBMISSION, "submitted_at": AT.replace(tzinfo=None)}  # SQLite gives naive UTC
    wib = {**SUBMISSION, "submitted_at": AT.astimezone(timezone(timedelta(hours=7)))}
    assert content_hash("submission", naive) == content_hash("submission", SUBMISSION)
    assert content_hash("submission", wib) == content_hash("submission", SUBMISSION)


@pytest.mark.parametrize("name", CONTENT_FIELDS["submission"])
def test_changing_any_covered_field_changes_the_hash(name: str) -> None:
    changed = dict(SUBMISSION)
    value = changed[name]
    if isinstance(value, datetime):
        changed[name] = value + timedelta(microseconds=1)
    elif isinstance(value, dict):
        changed[name] = {**value, "suara_sah": 311}
    elif isinstance(value, int):
        changed[name] = value + 1
    else:
        changed[name] = f"{value}x"
    assert content_hash("submission", changed) != content_hash("submission", SUBMISSION)


def test_the_kind_is_part_of_the_hash_and_content_of_reads_rows_and_mappings() -> None:
    user = {"username": "ana", "disabled": True}
    assert content_hash("user_disabled", user) != content_hash("device_key_revoked", user)

    class Row:
        username, disabled, other = "ana", True, "ignored"

    assert content_of("user_disabled", Row()) == content_of("user_disabled", user) == user


def test_every_covered_action_has_fields_and_a_table() -> None:
    assert set(ACTION_KINDS.values()) == set(CONTENT_FIELDS) == set(SOURCES)
    for kind, source in SOURCES.items():
        assert set(CONTENT_FIELDS[kind]) <= set(source.table.c.keys()), kind
