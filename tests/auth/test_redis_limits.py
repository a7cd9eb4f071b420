"""Rate-limit counters in Redis are shared by every API process (REKAP_RATE_LIMIT_STORAGE)."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from app.errors import RateLimited
from app.services.ratelimit import RateLimiter


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port (Debian's redis-server)."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (apt-get install redis-server)"
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_processes_share_one_budget_in_redis(redis_url):
    first, second = RateLimiter(redis_url), RateLimiter(redis_url)
    first.hit(limit="2/minute", key="user:ana", what="writes")
    second.hit(limit="2/minute", key="user:ana", what="writes")
    with pytest.raises(RateLimited) as caught:
        first.hit(limit="2/minute", key="user:ana", what="writes")
    assert 1 <= caught.value.retry_after <= 60
    second.hit(limit="2/minute", key="user:budi", what="writes")  # another identity's budget
