"""create_app(): routers, error handlers, lifespan; no logic."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app import __version__
from app.api.bodylimit import BodyLimitMiddleware
from app.api.deps import guard_api
from app.api.headers import NoSniffMiddleware
from app.api.lean_intake import LeanIntakeMiddleware
from app.api.params import reject_hostile_params
from app.api.routes import API_PREFIX, api_routers, root_routers
from app.config import Settings, get_settings
from app.db_errors import install_database_error_handlers
from app.errors import install_error_handlers
from app.logging import configure_logging
from app.schemas.errors import ERROR_RESPONSES
from app.services.ratelimit import RateLimiter
from app.web.routes import router as console_router


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the ASGI application."""
    settings = settings or get_settings()
    configure_logging(fmt=settings.log_format, level=settings.log_level)
    # Refuse to start on an unsafe signing key (and make the kept one now, not at the first
    # sign-in): a ConfigurationError here is the operator's to fix.
    settings.signing_secret()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(
        title="rekap-audit",
        version=__version__,
        description="Vote recapitulation verification: C.Hasil, D.Hasil, discrepancies.",
        lifespan=lifespan,
        # /docs is app/api/routes/api_docs.py (assets from /static, not a CDN); ReDoc would
        # load its script from a CDN too and is not served.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(reject_hostile_params)],  # API and console routes alike
    )
    app.state.rate_limiter = RateLimiter(settings.rate_limit_storage)
    app.state.cookie_secure = settings.cookie_secure  # read by app/web/security.py
    # Innermost: result posts take their short path (app/api/lean_intake.py) past the body limit.
    app.add_middleware(LeanIntakeMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(NoSniffMiddleware)  # added last: outermost, so 413s get it too
    install_error_handlers(app)
    install_database_error_handlers(app)
    for router in api_routers:
        app.include_router(
            router, prefix=API_PREFIX, dependencies=[Depends(guard_api)], responses=ERROR_RESPONSES
        )
    for router in root_routers:
        app.include_router(router)
    # The auditor's console (app/web), outside /api/v1: it sits above the API, which never
    # imports it.
    app.include_router(console_router)
    return app
