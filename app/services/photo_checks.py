"""Checks on a new photo: the same or a near-identical image at another TPS; EXIF evidence."""

from sqlmodel import Session, select

from app.domain.photos import capture_time_outside, gps_far_from, hamming
from app.models import Contest, Photo, Tps
from app.services.kabupaten import kabupaten_centroid
from app.services.photo_findings import PhotoFinding, record_finding


def duplicates_of(*, session: Session, photo: Photo, max_distance: int) -> list[Photo]:
    """Photos of other TPS with the same bytes (anywhere) or a near-identical image.

    Near-identical is searched in the same kabupaten and contest: that is where a photo is
    re-used for a neighbouring TPS, and it keeps the scan bounded at election scale.
    """
    same_bytes = select(Photo).where(Photo.sha256 == photo.sha256, Photo.tps_code != photo.tps_code)
    found = {p.id: p for p in session.exec(same_bytes)}
    nearby = select(Photo.id, Photo.phash).where(
        Photo.kabupaten_code == photo.kabupaten_code,
        Photo.contest_id == photo.contest_id,
        Photo.tps_code != photo.tps_code,
    )
    for pid, phash in session.exec(nearby):
        if pid not in found and hamming(phash, photo.phash) <= max_distance:
            found[pid] = session.get_one(Photo, pid)
    return sorted(found.values(), key=lambda p: p.id or 0)


def flag_duplicates(*, session: Session, photo: Photo, tps: Tps, max_distance: int) -> None:
    """DUPLICATE_PHOTO (error) on both TPS for every other TPS with the same or a near image."""
    for other in duplicates_of(session=session, photo=photo, max_distance=max_distance):
        other_tps = session.get_one(Tps, other.tps_code)
        for this, that, this_tps in ((photo, other, tps), (other, photo, other_tps)):
            record_finding(
                session=session,
                finding=_duplicate_finding(this, that),
                tps=this_tps,
                contest_id=this.contest_id,
                photo_id=this.id or 0,
            )


def _duplicate_finding(this: Photo, that: Photo) -> PhotoFinding:
    same = "sama persis" if this.sha256 == that.sha256 else "hampir identik"
    same_en = "identical" if this.sha256 == that.sha256 else "near-identical"
    return PhotoFinding(
        rule="DUPLICATE_PHOTO",
        severity="error",
        field=None,
        message=f"Foto {this.id} {same} dengan foto {that.id} dari TPS {that.tps_code}",
        message_en=f"Photo {this.id} is {same_en} to photo {that.id} of TPS {that.tps_code}",
        detail_key=f"photo:{this.id}:photo:{that.id}",
    )


def flag_metadata(
    *, session: Session, photo: Photo, tps: Tps, contest: Contest, unusable_time: str | None = None
) -> None:
    """Warnings (never proof): EXIF capture time outside the election window or no usable time
    at all (`unusable_time`, the EXIF text as written, e.g. year 1), GPS far away."""
    findings = []
    if unusable_time is not None:
        findings.append(_time_finding(photo, f"EXIF '{unusable_time}'"))
    elif photo.exif_taken_at and capture_time_outside(photo.exif_taken_at, contest.code):
        findings.append(_time_finding(photo, photo.exif_taken_at.isoformat()))
    centroid = kabupaten_centroid(tps.kabupaten_code)
    if photo.exif_lat is not None and photo.exif_lon is not None and centroid is not None:
        if gps_far_from((photo.exif_lat, photo.exif_lon), centroid):
            findings.append(_gps_finding(photo))
    for finding in findings:
        record_finding(
            session=session, finding=finding, tps=tps, contest_id=contest.id, photo_id=photo.id or 0
        )


def _time_finding(photo: Photo, when: str) -> PhotoFinding:
    return PhotoFinding(
        rule="PHOTO_METADATA",
        severity="warning",
        field=None,
        message=f"Waktu pengambilan foto {photo.id} ({when}) di luar hari pemungutan suara",
        message_en=f"Photo {photo.id} was taken at {when}, outside the election window",
        detail_key=f"photo:{photo.id}:time",
    )


def _gps_finding(photo: Photo) -> PhotoFinding:
    where = f"{photo.exif_lat:.4f},{photo.exif_lon:.4f}"
    return PhotoFinding(
        rule="PHOTO_METADATA",
        severity="warning",
        field=None,
        message=f"Lokasi GPS foto {photo.id} ({where}) jauh dari kabupaten {photo.kabupaten_code}",
        message_en=f"GPS of photo {photo.id} ({where}) is far from kabupaten {photo.kabupaten_code}",  # noqa: E501
        detail_key=f"photo:{photo.id}:gps",
    )
