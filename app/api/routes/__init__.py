"""Routers of the API. Each module exposes `router`; main.py includes everything listed here."""

from fastapi import APIRouter

from app.api.routes import (
    access,
    api_docs,
    audit,
    auth,
    contests,
    discrepancies,
    health,
    onboarding,
    photos,
    regions,
    results,
    review,
)

API_PREFIX = "/api/v1"

# Routers under /api/v1. Add a new module's router here (one line) when you add a module.
api_routers: list[APIRouter] = [regions.router, contests.router, auth.router, audit.router]
api_routers += [results.router, discrepancies.router]
api_routers += [photos.router, review.router]
api_routers += [access.router, onboarding.router]
# Routers outside the prefix (health, /docs); the console's pages are added by app/main.py.
root_routers: list[APIRouter] = [health.router, api_docs.router]  # /docs from /static
