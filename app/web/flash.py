"""One-time messages across a redirect (a saved entry names its submission on the next page):
a short-lived cookie the next full page shows once and deletes."""

import base64
import binascii
import json

from fastapi import Request
from fastapi.responses import Response

FLASH_COOKIE = "rekap_flash"
MAX_LINES = 12
MAX_LINE = 300


def set_flash(response: Response, lines: list[str], *, secure: bool) -> None:
    """Remember `lines` for the next page (HttpOnly; a text, never markup: it is escaped)."""
    kept = [line[:MAX_LINE] for line in lines[:MAX_LINES]]
    data = base64.urlsafe_b64encode(json.dumps(kept).encode()).decode()
    response.set_cookie(
        FLASH_COOKIE, data, max_age=120, httponly=True, samesite="lax", secure=secure, path="/"
    )


def take_flash(request: Request) -> list[str]:
    """The lines waiting for this page (deleted by `finish`); [] when none or unreadable."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or request.headers.get("hx-request"):
        return []
    request.state.flash_taken = True
    try:
        lines = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (binascii.Error, ValueError):
        return []
    if not isinstance(lines, list):
        return []
    return [str(line)[:MAX_LINE] for line in lines[:MAX_LINES]]
