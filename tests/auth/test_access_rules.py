"""The access rules as a table: role × action × region → verdict (no database, no HTTP)."""

import pytest

from app.domain.access import (
    Action,
    Subject,
    Verdict,
    decide,
    device_scope_problem,
    read_prefixes,
    scope_problem,
    signin_delay,
    within,
)

A, U, F = Verdict.ALLOW, Verdict.UNAUTHENTICATED, Verdict.FORBIDDEN
ADMIN = Subject("admin")
PPK = Subject("ppk", ("167101",))
PPK_TWO = Subject("ppk", ("167101", "167105"))
BAWASLU = Subject("bawaslu", ("1671",))
BAWASLU_RI = Subject("bawaslu", ("0",))
KPPS = Subject("kpps", ("1671011001001",))
KPPS_KEC = Subject("kpps", ("167101",))
PUBLIC = Subject("public")
TPS_IN, TPS_OTHER_KEC, TPS_OTHER_KAB = "1671011001001", "1671021001001", "1601011001001"


@pytest.mark.parametrize(
    ("subject", "action", "region", "expected"),
    [
        # C.Hasil results and photos
        (ADMIN, Action.SUBMIT_TPS, TPS_OTHER_KAB, A),
        (PPK, Action.SUBMIT_TPS, TPS_IN, A),
        (PPK, Action.SUBMIT_TPS, TPS_OTHER_KEC, F),
        (PPK_TWO, Action.SUBMIT_TPS, "1671051001001", A),
        (KPPS, Action.SUBMIT_TPS, TPS_IN, A),
        (KPPS, Action.SUBMIT_TPS, "1671011001002", F),  # the next TPS in the same desa
        (KPPS_KEC, Action.SUBMIT_TPS, "1671011001002", A),
        (KPPS_KEC, Action.SUBMIT_TPS, TPS_OTHER_KEC, F),
        (BAWASLU, Action.SUBMIT_TPS, TPS_IN, F),
        (PUBLIC, Action.SUBMIT_TPS, TPS_IN, U),
        # review of a photo reading
        (PPK, Action.REVIEW_TPS, TPS_IN, A),
        (PPK, Action.REVIEW_TPS, TPS_OTHER_KEC, F),
        (KPPS, Action.REVIEW_TPS, TPS_IN, F),
        (ADMIN, Action.REVIEW_TPS, TPS_IN, A),
        # D.Hasil Kecamatan
        (PPK, Action.WRITE_KECAMATAN, "167101", A),
        (PPK, Action.WRITE_KECAMATAN, "167102", F),
        (PPK, Action.WRITE_KECAMATAN, "1671", F),  # the kabupaten above is not theirs
        (KPPS_KEC, Action.WRITE_KECAMATAN, "167101", F),
        (BAWASLU, Action.WRITE_KECAMATAN, "167101", F),
        (ADMIN, Action.WRITE_KECAMATAN, "167102", A),
        (PUBLIC, Action.WRITE_KECAMATAN, "167101", U),
        # discrepancy status
        (BAWASLU, Action.UPDATE_DISCREPANCY, TPS_IN, A),
        (BAWASLU, Action.UPDATE_DISCREPANCY, "167101", A),
        (BAWASLU, Action.UPDATE_DISCREPANCY, TPS_OTHER_KAB, F),
        (BAWASLU, Action.UPDATE_DISCREPANCY, "16", F),  # a province-wide finding is above them
        (BAWASLU_RI, Action.UPDATE_DISCREPANCY, TPS_OTHER_KAB, A),
        (PPK, Action.UPDATE_DISCREPANCY, TPS_IN, F),
        (KPPS, Action.UPDATE_DISCREPANCY, TPS_IN, F),
        (ADMIN, Action.UPDATE_DISCREPANCY, "16", A),
        (PUBLIC, Action.UPDATE_DISCREPANCY, TPS_IN, U),
        # management
        (ADMIN, Action.MANAGE, None, A),
        (BAWASLU_RI, Action.MANAGE, None, F),
        (PUBLIC, Action.MANAGE, None, U),
        # a write with no region is never in a scoped role's scope
        (PPK, Action.SUBMIT_TPS, None, F),
    ],
)
def test_write_verdicts(subject, action, region, expected):
    assert decide(subject, action, region, public_read=True) is expected


@pytest.mark.parametrize(
    ("subject", "action", "region", "public_read", "expected"),
    [
        (PUBLIC, Action.READ, TPS_IN, True, A),
        (PUBLIC, Action.READ, TPS_IN, False, U),
        (PUBLIC, Action.READ_REFERENCE, None, False, U),
        (PPK, Action.READ, TPS_OTHER_KAB, True, A),  # public data is public to everyone
        (PPK, Action.READ, TPS_IN, False, A),
        (PPK, Action.READ, TPS_OTHER_KEC, False, F),
        (PPK, Action.READ, "1671", False, F),  # an aggregate wider than their kecamatan
        (PPK, Action.READ_REFERENCE, "1671", False, A),
        (BAWASLU, Action.READ, TPS_OTHER_KEC, False, A),
        (BAWASLU, Action.READ, TPS_OTHER_KAB, False, F),
        (KPPS, Action.READ, TPS_IN, False, A),
        (KPPS, Action.READ, "1671011001002", False, F),
        (ADMIN, Action.READ, TPS_OTHER_KAB, False, A),
        (PPK, Action.READ, None, False, A),  # a listing: allowed, then filtered
    ],
)
def test_read_verdicts(subject, action, region, public_read, expected):
    assert decide(subject, action, region, public_read=public_read) is expected


def test_listing_prefixes_follow_scope_only_when_reads_are_not_public():
    assert read_prefixes(PPK, public_read=True) is None
    assert read_prefixes(ADMIN, public_read=False) is None
    assert read_prefixes(BAWASLU, public_read=False) == ("1671",)
    assert read_prefixes(PPK_TWO, public_read=False) == ("167101", "167105")


def test_within_needs_a_real_prefix_and_nation_covers_all():
    assert within(("0",), "9999")
    assert not within(("",), TPS_IN)  # an empty scope never means "everything"
    assert not within((), TPS_IN)
    assert within(("167101",), TPS_IN)
    assert not within(("167101",), "167102")


@pytest.mark.parametrize(
    ("role", "scopes", "ok"),
    [
        ("admin", (), True),
        ("admin", ("16",), False),
        ("ppk", ("167101",), True),
        ("ppk", ("1671",), False),
        ("ppk", (), False),
        ("bawaslu", ("0",), True),
        ("bawaslu", ("16", "1671011001"), True),
        ("bawaslu", ("1671011001001",), False),
        ("bawaslu", ("16x",), False),
        ("kpps", ("1671011001001",), False),  # devices are keys, not users
        ("root", (), False),
    ],
)
def test_user_scopes_are_validated(role, scopes, ok):
    assert (scope_problem(role, scopes) is None) is ok


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("1671011001001", True),
        ("167101", True),
        ("1671", False),
        ("x", False),
        ("١٦٧١٠١١٠٠١٠٠١", False),  # Arabic-Indic digits: str.isdigit() accepts them
        ("１６７１０１", False),  # fullwidth digits
    ],
)
def test_device_keys_bind_to_a_tps_or_kecamatan(code, ok):
    assert (device_scope_problem(code) is None) is ok


@pytest.mark.parametrize(
    ("failures", "delay"), [(0, 0.0), (1, 0.5), (2, 1.0), (3, 2.0), (5, 8.0), (50, 8.0)]
)
def test_signin_delay_doubles_and_is_capped(failures, delay):
    assert signin_delay(failures, base=0.5) == delay
