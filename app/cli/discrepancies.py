"""`rekap discrepancies list|show`: the API's discrepancy listing and detail at the command line."""

from datetime import datetime

import typer

from app.cli.lazy import session_scope
from app.cli.output import echo_json, json_option

app = typer.Typer(help="Discrepancies found by the rules (GET /api/v1/discrepancies)")


@app.command("list")
def list_(
    region: str | None = typer.Option(None, "--region", help="region code (any level), 0: all"),
    region_name: str | None = typer.Option(
        None, "--region-name", help="region by name instead of code, e.g. 'Ilir Barat I'"
    ),
    contest: str | None = typer.Option(None, "--contest", help="contest id, e.g. pkwkp-16"),
    rule: str | None = typer.Option(None, "--rule", help="rule code, e.g. PASLON_SUM"),
    severity: str | None = typer.Option(None, "--severity", help="error or warning"),
    status: str | None = typer.Option(None, "--status", help="open, acknowledged, ..."),
    since: datetime | None = typer.Option(None, "--since", help="first seen at or after"),
    limit: int = typer.Option(100, "--limit", min=1, max=1000),
    cursor: str | None = typer.Option(None, "--cursor", help="next_cursor of the page before"),
    as_json: bool = json_option(),
) -> None:
    """One page of discrepancies in id order, with the API's filters and cursor; `--region-name`
    resolves a name as the API's `region_name` does (several regions of that name: exit 2,
    listing them with their codes)."""
    from app.errors import InvalidInput
    from app.services.discrepancy_query import DiscrepancyFilter, list_discrepancies
    from app.services.place_search import resolve_region

    if region_name is not None and region is not None:
        raise InvalidInput(
            "give --region or --region-name, not both",
            fields={"region_name": "not together with region"},
        )
    with session_scope() as session:
        if region_name is not None:
            region = resolve_region(session=session, text=region_name, param="region_name")
        flt = DiscrepancyFilter(region, contest, rule, severity, status, since)
        page = list_discrepancies(session=session, flt=flt, limit=limit, cursor=cursor)
    if as_json:
        echo_json(page)
        return
    for d in page.items:
        where = d.tps_code or d.region_code
        typer.echo(
            f"{d.id}\t{d.rule}\t{d.severity}\t{d.status}\t{d.contest_id}\t{where}\t"
            f"{d.field or '-'}\t{d.message}"
        )
    if page.next_cursor:
        typer.echo(f"more: --cursor {page.next_cursor}", err=True)


@app.command("show")
def show(discrepancy_id: int = typer.Argument(...), as_json: bool = json_option()) -> None:
    """A discrepancy with its evidence and status history."""
    from app.services.discrepancies import get_discrepancy

    with session_scope() as session:
        detail = get_discrepancy(session=session, discrepancy_id=discrepancy_id)
    if as_json:
        echo_json(detail)
        return
    typer.echo(
        f"{detail.id} {detail.rule} ({detail.severity}, {detail.status}) "
        f"{detail.contest_id} {detail.tps_code or detail.region_code}"
    )
    typer.echo(f"  {detail.message}")
    if detail.field:
        typer.echo(f"  {detail.field}: expected {detail.expected}, actual {detail.actual}")
    for ev in detail.evidence_detail:
        typer.echo(f"  evidence {ev.kind} {ev.id}: {ev.source or ''} by {ev.by} at {ev.at}")
    for event in detail.history:
        typer.echo(
            f"  {event.at} {event.actor}: {event.from_status} -> {event.to_status} "
            f"{event.note or ''}"
        )
