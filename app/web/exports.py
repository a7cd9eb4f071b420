"""The console's exports of the discrepancy list (with its current filters): CSV in UTF-8 with
a BOM (Excel then shows Σ and ≠) and XLSX, with region names, notes and status history.
Both are written to a temporary file batch by batch and streamed from it: bounded memory."""

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from typing import IO, Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.domain.timezones import local_time
from app.services.discrepancy_export import ExportRow, export_rows
from app.web import i18n
from app.web.discrepancies import console_filter
from app.web.routing import ConsoleRoute
from app.web.security import ConsoleSessionDep, ConsoleUserDep, finish
from app.web.templating import request_lang

router = APIRouter(route_class=ConsoleRoute)
CHUNK = 64 * 1024
SPOOL_BYTES = 1024 * 1024  # an export bigger than this goes to disk, not memory
LEVEL_COLUMNS = ("provinsi", "kabupaten", "kecamatan", "desa", "tps")
HEADER_KEYS = (
    ("#", "region_code", *(f"level_{lv}" for lv in LEVEL_COLUMNS), "contest", "rule", "severity")
    + ("status", "field", "expected_col", "actual", "difference", "suggestion", "message")
    + ("first_seen", "last_seen", "note", "history")
)
# Column widths in characters, in HEADER_KEYS order: names and texts wide, numbers narrow.
XLSX_WIDTHS = (7, 15, 20, 22, 22, 22, 9, 11, 20, 10, 11, 20, 9, 9, 8, 8, 60, 20, 20, 30, 70)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def header(lang: str) -> list[str]:
    """The column names in the console's language."""
    return [i18n.translate(lang, key) for key in HEADER_KEYS]


def history_text(row: ExportRow, t: Callable[[str], str]) -> str:
    """One line per status change: when (region's zone), who, from → to, and the note."""
    region = row.discrepancy.region_code
    lines = []
    for e in row.history:
        change = f"{t('st_' + e.from_status) if e.from_status else ''} → {t('st_' + e.to_status)}"
        note = f": “{e.note}”" if e.note else ""
        lines.append(f"{local_time(e.at, region)} · {e.actor} · {change}{note}")
    return "\n".join(lines)


def cells(row: ExportRow, lang: str) -> list[Any]:
    """One discrepancy as export cells (numbers stay numbers for the spreadsheet)."""
    d, t = row.discrepancy, partial(i18n.translate, lang)
    notes = [e.note for e in row.history if e.note]
    message = d.message_en if lang == "en" and d.message_en else d.message
    return [
        d.id, d.tps_code or d.region_code, *(row.names.get(lv, "") for lv in LEVEL_COLUMNS),
        d.contest_id, d.rule, t("sev_" + d.severity), t("st_" + d.status),
        i18n.field_label(lang, d.field) if d.field else "",
        d.expected, d.actual, d.delta, d.suggestion, message,
        local_time(d.first_seen, d.region_code), local_time(d.last_seen, d.region_code),
        notes[-1] if notes else "", history_text(row, t),
    ]  # fmt: skip


def write_csv(rows: Iterator[ExportRow], lang: str, out: IO[str]) -> None:
    """CSV with a BOM, the header, then a line per discrepancy."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header(lang))
    for row in rows:
        writer.writerow(["" if v is None else v for v in cells(row, lang)])


def write_xlsx(rows: Iterator[ExportRow], lang: str, out: IO[bytes]) -> None:
    """One sheet, written row by row (openpyxl's write-only mode keeps no rows in memory)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(i18n.translate(lang, "nav_discrepancies"))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    titles = [WriteOnlyCell(sheet, value=title) for title in header(lang)]
    for cell in titles:
        cell.font = bold
    sheet.append(titles)
    for row in rows:
        sheet.append(cells(row, lang))
    book.save(out)


def _stream(spool: IO[bytes]) -> Iterator[bytes]:
    spool.seek(0)
    try:
        while chunk := spool.read(CHUNK):
            yield chunk
    finally:
        spool.close()


def _file_name(request: Request, suffix: str) -> str:
    region = "".join(c for c in request.query_params.get("region", "") if c.isalnum())
    return f"temuan-{region or 'semua'}-{date.today():%Y%m%d}.{suffix}"


def _download(request: Request, spool: IO[bytes], suffix: str, media: str) -> StreamingResponse:
    name = _file_name(request, suffix)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    response = StreamingResponse(_stream(spool), media_type=media, headers=headers)
    finish(request, response)
    return response


@router.get("/discrepancies.csv")
def export_discrepancies_csv(
    request: Request, user: ConsoleUserDep, session: ConsoleSessionDep
) -> StreamingResponse:
    """The filtered list as CSV (UTF-8 with BOM)."""
    flt = console_filter(user, request, session)
    lang = request_lang(request)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (streamed, closed by _stream)
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    write_csv(export_rows(session=session, flt=flt), lang, text)
    text.flush()
    text.detach()  # the spool stays open for the response
    return _download(request, spool, "csv", "text/csv; charset=utf-8")


@router.get("/discrepancies.xlsx")
def export_discrepancies_xlsx(
    request: Request, user: ConsoleUserDep, session: ConsoleSessionDep
) -> StreamingResponse:
    """The filtered list as an XLSX workbook."""
    flt = console_filter(user, request, session)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    write_xlsx(export_rows(session=session, flt=flt), request_lang(request), spool)
    return _download(request, spool, "xlsx", XLSX_TYPE)
