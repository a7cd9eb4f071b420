"""The principal of a request and the authorize_* checks raising 401/403 (app/domain/access).

Routes get a `Principal` from app/api/deps.py (`PrincipalDep` and the guard aliases there);
services that must check a region they only learn after loading a row (a photo's TPS, a
discrepancy's region) call the authorize_* functions here with that principal.
"""

from dataclasses import dataclass

from app.domain.access import Action, Subject, Verdict, decide, read_prefixes
from app.errors import Forbidden, Unauthorized


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user, a device key or nobody (anonymous, role "public")."""

    kind: str  # user | device | anonymous
    name: str  # username, device key id, or "anonymous"
    role: str  # admin | ppk | bawaslu | kpps | public
    scopes: tuple[str, ...] = ()
    remote: str | None = None  # client address, for the audit trail

    @property
    def actor(self) -> str:
        """How the audit trail names this principal: "user:alice", "device:k_1a2b3c4d"."""
        return "anonymous" if self.kind == "anonymous" else f"{self.kind}:{self.name}"

    @property
    def subject(self) -> Subject:
        """The role and scopes the access rules look at."""
        return Subject(role=self.role, scopes=self.scopes)


ANONYMOUS = Principal(kind="anonymous", name="anonymous", role="public")


def authorize(
    principal: Principal, action: Action, region_code: str | None, *, public_read: bool = False
) -> None:
    """Raise Unauthorized (401) or Forbidden (403) unless the principal may do this here."""
    verdict = decide(principal.subject, action, region_code, public_read=public_read)
    if verdict is Verdict.UNAUTHENTICATED:
        raise Unauthorized("sign in (Bearer token) or send a device key (X-API-Key)")
    if verdict is Verdict.FORBIDDEN:
        where = f" for {region_code}" if region_code else ""
        raise Forbidden(f"{principal.actor} ({principal.role}) may not {action.value}{where}")


def authorize_read(principal: Principal, region_code: str | None, *, public_read: bool) -> None:
    """Reads of data under a region (None: a listing, filtered by read_scope)."""
    authorize(principal, Action.READ, region_code, public_read=public_read)


def authorize_tps_write(principal: Principal, tps_code: str) -> None:
    """Results or photos for a TPS: its kpps device, a ppk of its kecamatan, an admin."""
    authorize(principal, Action.SUBMIT_TPS, tps_code)


def authorize_tps_review(principal: Principal, tps_code: str) -> None:
    """A review of a photo reading of a TPS: a ppk of its kecamatan, an admin."""
    authorize(principal, Action.REVIEW_TPS, tps_code)


def authorize_kecamatan_write(principal: Principal, kecamatan_code: str) -> None:
    """D.Hasil Kecamatan: a ppk of that kecamatan, an admin."""
    authorize(principal, Action.WRITE_KECAMATAN, kecamatan_code)


def authorize_discrepancy_update(principal: Principal, region_code: str) -> None:
    """Status of a discrepancy: a bawaslu whose prefix covers its region, an admin."""
    authorize(principal, Action.UPDATE_DISCREPANCY, region_code)


def authorize_admin(principal: Principal) -> None:
    """User and key management: admins only."""
    authorize(principal, Action.MANAGE, None)


def read_scope(principal: Principal, *, public_read: bool) -> tuple[str, ...] | None:
    """Region prefixes a listing must be limited to (None: everything); 401 when anonymous
    callers may not read."""
    authorize_read(principal, None, public_read=public_read)
    return read_prefixes(principal.subject, public_read=public_read)
