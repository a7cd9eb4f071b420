"""`rekap serve`: run the API with uvicorn."""

import typer
import uvicorn


def register(app: typer.Typer) -> None:
    """Add the serve command."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="interface to bind"),
        port: int = typer.Option(8000, help="TCP port"),
        workers: int = typer.Option(1, help="uvicorn worker processes"),
    ) -> None:
        """Run the API (OpenAPI docs at /docs)."""
        uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, proxy_headers=True)
