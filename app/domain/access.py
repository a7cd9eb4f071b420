"""Who may do what: role × action × region → allow, unauthenticated (401) or forbidden (403).

Pure rules, checked in one place (app/api/deps.py wires them to requests). A scope is a region
code prefix: a ppk holds kecamatan codes, a bawaslu any region prefix ("0" = the nation), a kpps
device one TPS code (or one kecamatan code), an admin none (everything).

Reads: when public reading is on, every read is allowed to everyone, anonymous included. When it
is off, anonymous reads are refused (401); reference data (regions, contests) is open to every
identity; data under a region (aggregates, TPS detail, photos, discrepancies) is open to admin
everywhere and to the other roles only under their scopes (403 outside, listings filtered).
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from app.domain.regions import contains, level_of

ROLES: Final = ("admin", "ppk", "bawaslu", "kpps", "public")
USER_ROLES: Final = ("admin", "ppk", "bawaslu")


class Action(StrEnum):
    """Everything the API lets a principal do, at the granularity scopes are checked."""

    READ_REFERENCE = "read_reference"  # regions, contests
    READ = "read"  # anything under a region: tally, TPS, photos, discrepancies
    SUBMIT_TPS = "submit_tps"  # C.Hasil results and photos for one TPS
    REVIEW_TPS = "review_tps"  # a person's review of a photo reading of one TPS
    WRITE_KECAMATAN = "write_kecamatan"  # D.Hasil Kecamatan
    UPDATE_DISCREPANCY = "update_discrepancy"  # status and note of a discrepancy
    MANAGE = "manage"  # users, device keys


class Verdict(StrEnum):
    """Outcome of an access decision; the API maps these to 2xx, 401 and 403."""

    ALLOW = "allow"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"


# Which roles may perform each write action at all (scope is checked separately).
WRITERS: Final[dict[Action, frozenset[str]]] = {
    Action.SUBMIT_TPS: frozenset({"admin", "ppk", "kpps"}),
    Action.REVIEW_TPS: frozenset({"admin", "ppk"}),
    Action.WRITE_KECAMATAN: frozenset({"admin", "ppk"}),
    Action.UPDATE_DISCREPANCY: frozenset({"admin", "bawaslu"}),
    Action.MANAGE: frozenset({"admin"}),
}


@dataclass(frozen=True)
class Subject:
    """Who is asking: a role and the region prefixes it acts in."""

    role: str
    scopes: tuple[str, ...] = ()


def within(scopes: tuple[str, ...], region_code: str) -> bool:
    """Whether a region or TPS code lies under one of the scopes."""
    return any(scope and contains(scope, region_code) for scope in scopes)


def decide(
    subject: Subject, action: Action, region_code: str | None, *, public_read: bool
) -> Verdict:
    """The verdict for one subject doing one action on one region (None: no region)."""
    if action in (Action.READ, Action.READ_REFERENCE):
        return _decide_read(subject, action, region_code, public_read=public_read)
    if subject.role == "public":
        return Verdict.UNAUTHENTICATED
    if subject.role not in WRITERS[action]:
        return Verdict.FORBIDDEN
    if subject.role == "admin":
        return Verdict.ALLOW
    if region_code is None or not within(subject.scopes, region_code):
        return Verdict.FORBIDDEN
    return Verdict.ALLOW


def _decide_read(
    subject: Subject, action: Action, region_code: str | None, *, public_read: bool
) -> Verdict:
    if public_read:
        return Verdict.ALLOW
    if subject.role == "public":
        return Verdict.UNAUTHENTICATED
    if action is Action.READ_REFERENCE or subject.role == "admin" or region_code is None:
        return Verdict.ALLOW
    return Verdict.ALLOW if within(subject.scopes, region_code) else Verdict.FORBIDDEN


def read_prefixes(subject: Subject, *, public_read: bool) -> tuple[str, ...] | None:
    """Region prefixes a listing must be limited to; None means no limit."""
    if public_read or subject.role == "admin":
        return None
    return subject.scopes


def scope_problem(role: str, scopes: tuple[str, ...]) -> str | None:
    """Why a role's scopes are invalid (a sentence), or None when they are fine."""
    if role not in USER_ROLES:
        return f"role must be one of {', '.join(USER_ROLES)}"
    if role == "admin":
        return "an admin has no scopes" if scopes else None
    if not scopes:
        return f"a {role} needs at least one --scope"
    for code in scopes:
        if role == "ppk" and level_of(code) != "kecamatan":
            return f"'{code}' is not a kecamatan code (6 digits)"
        if role == "bawaslu" and code != "0" and level_of(code) in (None, "tps"):
            return f"'{code}' is not a region code (2, 4, 6 or 10 digits, or 0 for the nation)"
    return None


def device_scope_problem(region_code: str) -> str | None:
    """Why a device key cannot be bound to this code, or None (a TPS or a kecamatan)."""
    if level_of(region_code) in ("tps", "kecamatan"):
        return None
    return f"'{region_code}' is not a TPS (13 digits) or kecamatan (6 digits) code"


def signin_delay(failures: int, *, base: float) -> float:
    """Seconds to wait before answering a failed sign-in: doubles per recent failure, capped."""
    if failures <= 0 or base <= 0:
        return 0.0
    return float(min(base * 2 ** (failures - 1), base * 16))
