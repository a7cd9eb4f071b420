"""Console pages: review."""

from fastapi import APIRouter

from app.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)
