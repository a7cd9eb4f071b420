"""Jinja2 (autoescaped .html) rendering with the language, the user and the CSRF token."""

import re
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.domain.review_reasons import reason_in
from app.domain.timezones import local_time
from app.web import i18n
from app.web.flash import take_flash
from app.web.security import LANG_COOKIE, csrf_token, finish

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def request_lang(request: Request) -> str:
    """?lang= (remembered in a cookie by `finish`), else the cookie, else Bahasa Indonesia."""
    asked = i18n.normalize_lang(request.query_params.get("lang"))
    if asked:
        request.state.set_lang = asked
        return asked
    return i18n.normalize_lang(request.cookies.get(LANG_COOKIE)) or i18n.DEFAULT_LANG


def format_number(value: Any, lang: str = "id") -> str:
    """An integer with the language's thousands separator (id 1.234, en 1,234)."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = f"{value:,}"
        return text if lang == "en" else text.replace(",", ".")
    return "" if value is None else str(value)


def format_decimal(value: Any, places: int = 2, *, lang: str = "id") -> str:
    """A decimal with the language's mark (id 0,85; en 0.85); "—" for nothing."""
    if value is None:
        return "—"
    text = f"{float(value):,.{places}f}"
    if lang == "en":
        return text
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def localize_decimals(text: Any, lang: str = "id") -> str:
    """A text the service composed (a chart's tooltip) with its decimals in the language's form."""
    return str(text) if lang == "en" else re.sub(r"(\d)\.(\d)", r"\1,\2", str(text))


def base_context(request: Request) -> dict[str, Any]:
    """What every page needs: language helpers, the user, the CSRF token, the switch link."""
    lang = request_lang(request)
    switched = request.url.include_query_params(lang="en" if lang == "id" else "id")
    return {
        "lang": lang,
        "t": partial(i18n.translate, lang),
        "field_label": partial(i18n.field_label, lang),
        "value_label": partial(i18n.value_label, lang),
        "rule_description": partial(i18n.rule_description, lang),
        "num": partial(format_number, lang=lang),
        "dec": partial(format_decimal, lang=lang),
        "dec_text": partial(localize_decimals, lang=lang),
        "when": local_time,
        "review_reason": partial(reason_in, lang),
        "user": getattr(request.state, "console_user", None),
        "csrf": csrf_token(request),
        "flash": take_flash(request),
        "switch_url": f"{switched.path}?{switched.query}",
    }


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """A page or fragment, with the security headers and cookies of `finish`."""
    ctx = base_context(request) | (context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    finish(request, response)
    return response
