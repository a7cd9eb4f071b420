"""Rate limits per device key, user or client address (slowapi's limiter, `limits` storage).

One limiter per app (app.state.rate_limiter), storage from REKAP_RATE_LIMIT_STORAGE
(`memory://` by default, `redis://host:6379/0` when several API processes share the budget).
"""

import math
import time

from limits import RateLimitItem, parse
from slowapi import Limiter
from slowapi.util import get_remote_address

from app.errors import RateLimited

# Failed sign-ins per address remembered for the back-off (not a limit: nobody is refused by it).
_FAILURE_WINDOW = "1000/15minutes"


class RateLimiter:
    """Counts hits per key in the configured storage and refuses those over their limit."""

    def __init__(self, storage_uri: str) -> None:
        self._slowapi = Limiter(
            key_func=get_remote_address, storage_uri=storage_uri, strategy="fixed-window"
        )
        self._failures = parse(_FAILURE_WINDOW)

    def hit(self, *, limit: str, key: str, what: str) -> None:
        """Count one request against `limit` for `key`; RateLimited (429) when over it."""
        item = parse(limit)
        backend = self._slowapi.limiter
        if backend.hit(item, "rekap", key):
            return
        raise RateLimited(
            f"too many {what} from {key}: limit {limit}",
            retry_after=self._retry_after(item, key),
        )

    def _retry_after(self, item: RateLimitItem, key: str) -> int:
        stats = self._slowapi.limiter.get_window_stats(item, "rekap", key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def record_failure(self, *, key: str) -> int:
        """Count one failed sign-in for key; returns the failures in the recent window."""
        backend = self._slowapi.limiter
        backend.hit(self._failures, "signin-failure", key)
        stats = backend.get_window_stats(self._failures, "signin-failure", key)
        return self._failures.amount - stats.remaining

    def reset(self) -> None:
        """Forget every counter (tests, or an operator after an incident)."""
        self._slowapi.reset()
