"""Test helpers: draw a template page (markers, tag, box frames, bubbles) and photograph it."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from ocr.templates import PageTemplate

Gray = npt.NDArray[np.uint8]
Matrix = npt.NDArray[np.float64]


def draw_page(
    page: PageTemplate,
    *,
    bubbles: dict[str, str] | None = None,
    ink: dict[str, str] | None = None,
    hide_tag: bool = False,
    hide_markers: tuple[str, ...] = (),
) -> Gray:
    """The page at template scale: black markers, the AprilTag, box frames and bubble rings.

    `bubbles` blackens one bubble per column ("274"; "-" leaves a column empty); `ink` writes
    a character in each box with a Hershey font (enough for tests that do not read digits).
    """
    img = np.full((int(page.height), int(page.width)), 255, np.uint8)
    for m in page.markers:
        if m.name in hide_markers:
            continue
        x, y, hw, hh = int(m.x), int(m.y), int(m.w / 2), int(m.h / 2)
        cv2.rectangle(img, (x, y), (x + hw, y + hh), 0, -1)
        cv2.rectangle(img, (x + hw, y + hh), (x + 2 * hw, y + 2 * hh), 0, -1)
    if not hide_tag:
        _draw_tag(img, page)
    for field in page.fields:
        for k, box in enumerate(field.boxes):
            x, y, w, h = int(box.x), int(box.y), int(box.w), int(box.h)
            cv2.rectangle(img, (x - 2, y - 2), (x + w + 1, y + h + 1), 0, 3)
            text = (ink or {}).get(field.name, "")
            if k < len(text) and text[k] != "_":
                cv2.putText(img, text[k], (x + 10, y + h - 10), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 0, 3)
        for k, column in enumerate(field.bubbles or []):
            marks = (bubbles or {}).get(field.name, "---")
            for digit, (cx, cy) in enumerate(column.centers):
                centre = (int(round(cx)), int(round(cy)))
                cv2.circle(img, centre, int(column.radius + 1.5), 0, 1)
                if marks[k] == str(digit):
                    cv2.circle(img, centre, int(column.radius + 1), 20, -1)
    return img


def _draw_tag(img: Gray, page: PageTemplate) -> None:
    """Warp the AprilTag 36h10 image of the page's id onto its template corners."""
    side = 200
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_APRILTAG_36h10)
    tag = cv2.aruco.generateImageMarker(dictionary, page.tag.id, side)
    src = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    h = cv2.getPerspectiveTransform(src, np.float32(page.tag.corners))
    size = (img.shape[1], img.shape[0])
    warped = cv2.warpPerspective(tag, h, size, flags=cv2.INTER_NEAREST, borderValue=255)
    mask = cv2.warpPerspective(np.full_like(tag, 255), h, size, flags=cv2.INTER_NEAREST)
    img[mask > 0] = warped[mask > 0]


def photograph(
    page_img: Gray,
    *,
    rotate: float = 8.0,
    tilt: float = 0.08,
    size: tuple[int, int] = (1500, 2000),
    table: int = 40,
) -> tuple[Gray, Matrix]:
    """A perspective 'photo' of the page on a table (dark by default: the page's outline shows;
    white: it does not), and the true template→photo matrix."""
    w, h = page_img.shape[1], page_img.shape[0]
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    scale = 0.8 * min(size[0] / w, size[1] / h)
    centred = (corners - [w / 2, h / 2]) * scale
    angle = np.deg2rad(rotate)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = centred @ rot.T
    moved[0] *= 1 - tilt  # the top edge further away: a keystone
    moved[1] *= 1 - tilt
    dst = np.float32(moved + [size[0] / 2, size[1] / 2])
    truth = cv2.getPerspectiveTransform(corners, dst).astype(np.float64)
    photo = cv2.warpPerspective(page_img, truth, size, flags=cv2.INTER_AREA, borderValue=table)
    noise = np.random.default_rng(7).normal(0, 3, photo.shape)
    return np.clip(photo + noise, 0, 255).astype(np.uint8), truth


def registration_error(estimated: Matrix, truth: Matrix, points: npt.ArrayLike) -> float:
    """Largest distance (template px) between template points and their round trip."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 1, 2)
    back = cv2.perspectiveTransform(cv2.perspectiveTransform(pts, truth), estimated)
    return float(np.max(np.linalg.norm(back - pts, axis=2)))
