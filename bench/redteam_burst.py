"""A burst of result posts from several devices' clients, the server SIGKILLed in the middle of
it and started again, and every post whose answer was lost retried with its Idempotency-Key.
One post in eight gives up on its answer at once (a phone losing signal), so some posts are
stored without their client knowing: their retries must be answered, not stored again."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.redteam_cases import Campaign
from bench.redteam_site import BURST_TPS, GUB, PRESIDEN


@dataclass
class Post:
    """One post and the statuses it was answered with."""

    key: str
    tps: str
    body: dict[str, Any]
    patience: float
    statuses: list[int] = field(default_factory=list)


@dataclass
class BurstReport:
    """What the burst did."""

    posts: int
    answered_before_kill: int = 0
    retried: int = 0
    replayed: int = 0  # retries answered 200: stored before the kill, answer lost
    unanswered_after_retry: int = 0


def make_posts(n: int) -> list[Post]:
    """Distinct posts, each naming its key in `reason` (duplicates are counted by reason)."""
    posts = []
    for i in range(n):
        values = {"suara_paslon_1": i % 1000, "suara_paslon_2": 7, "suara_paslon_3": 3}
        body = {"contest_id": (GUB, PRESIDEN)[i % 2], "values": values, "reason": f"rt:burst {i}"}
        posts.append(
            Post(
                f"rt-burst-{i}", BURST_TPS[i % len(BURST_TPS)], body, 0.001 if i % 8 == 4 else 60.0
            )
        )
    return posts


def _post(camp: Campaign, client: httpx.Client, post: Post, wait: float) -> bool:
    headers = camp.world.auth("kpps_kec") | {"Idempotency-Key": post.key}
    camp.requests += 1
    try:
        resp = client.post(
            f"{camp.site.base}/api/v1/tps/{post.tps}/results",
            json=post.body,
            headers=headers,
            timeout=httpx.Timeout(60, read=wait),
        )
    except httpx.TransportError:
        return False
    post.statuses.append(resp.status_code)
    camp.remember(post.key, resp)
    return True


def burst_with_kill(
    camp: Campaign, n: int = 320, clients: int = 8, kill_after: int = 80
) -> BurstReport:
    """Post n results from `clients` threads, SIGKILL the server after kill_after answers,
    restart it, retry every unanswered post (same key), and file the verdicts."""
    posts, report = make_posts(n), BurstReport(posts=n)
    answered, lock, enough = [0], threading.Lock(), threading.Event()

    def client_loop(mine: list[Post]) -> None:
        with httpx.Client() as client:
            for post in mine:
                if _post(camp, client, post, post.patience):
                    with lock:
                        answered[0] += 1
                        if answered[0] >= kill_after:
                            enough.set()

    with ThreadPoolExecutor(clients + 1) as pool:
        futures = [pool.submit(client_loop, posts[i::clients]) for i in range(clients)]
        enough.wait(timeout=120)
        camp.site.kill()
        report.answered_before_kill = answered[0]
        for future in futures:
            future.result()
    camp.site.start()
    _retry(camp, posts, report)
    _file(camp, posts, report)
    return report


def _retry(camp: Campaign, posts: list[Post], report: BurstReport) -> None:
    lost = [p for p in posts if not p.statuses]
    report.retried = len(lost)
    with httpx.Client() as client:
        for post in lost:
            if not any(_post(camp, client, post, 60.0) for _ in range(3)):
                report.unanswered_after_retry += 1
    report.replayed = sum(1 for p in lost if p.statuses[-1:] == [200])


def _file(camp: Campaign, posts: list[Post], report: BurstReport) -> None:
    name = (
        f"burst: {report.posts} posts, server SIGKILLed after {report.answered_before_kill} answers"
    )
    camp.cases += 1
    for post in posts:
        for status in post.statuses:
            if status >= 500:
                camp.five_xx.append(f"{name}: {post.key} → {status}")
            elif status >= 300:
                camp.unexpected.append(f"{name}: {post.key} → {status}")
        if not post.statuses:
            camp.five_xx.append(f"{name}: {post.key} → no answer after restart and 3 retries")
