"""`rekap jobs list|show`: photo-reading jobs (the `ocr_job` table is the truth, not the queue)."""

from typing import TYPE_CHECKING

import typer

from app.cli.lazy import session_scope
from app.cli.output import echo_json, json_option

if TYPE_CHECKING:
    from app.schemas.jobs import OcrJobRead

app = typer.Typer(help="Photo-reading jobs")


def _line(job: "OcrJobRead") -> str:
    error = (job.last_error or "-").splitlines()[0][:80] if job.last_error else "-"
    return (
        f"{job.id}\t{job.status}\t{job.attempts}\tphoto {job.photo_id}\t{job.tps_code}\t"
        f"{job.contest_id}\t{job.updated_at.isoformat()}\t{error}"
    )


@app.command("list")
def list_(
    status: str | None = typer.Option(None, "--status", help="queued, running, done or failed"),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000),
    as_json: bool = json_option(),
) -> None:
    """The newest jobs: id, status, attempts, photo, TPS, contest, last change, last error."""
    from app.services.job_views import list_jobs

    with session_scope() as session:
        jobs = list_jobs(session=session, status=status, limit=limit)
    if as_json:
        echo_json(jobs)
        return
    for job in jobs:
        typer.echo(_line(job))


@app.command("show")
def show(job_id: int = typer.Argument(...), as_json: bool = json_option()) -> None:
    """One job with its lease and last error."""
    from app.services.job_views import get_job

    with session_scope() as session:
        job = get_job(session=session, job_id=job_id)
    if as_json:
        echo_json(job)
        return
    typer.echo(_line(job))
    if job.lease_owner:
        typer.echo(f"  lease: {job.lease_owner} until {job.lease_expires_at}")
    if job.last_error:
        typer.echo(f"  last error: {job.last_error}")
