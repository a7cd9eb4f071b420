"""ASGI apps for bench/intake_floor.py: what a result post costs before the post's own work.

- `bare`: a bare ASGI app that reads the request body and answers 201 with a fixed JSON body
  of a post's answer's size (the server's own cost: uvicorn, its HTTP parser, the event loop).
- `stack`: the service's app (app/main.py) with the short path's work replaced by the same fixed
  answer (app/api/lean_intake.py `_answer`): every middleware, the body's JSON parse and its
  validation as a `ResultCreate`, the hop to a worker thread and back, the response; no
  database, no sign-in check, no rules.

    uvicorn bench.floor_app:bare      uvicorn bench.floor_app:stack
"""

import json
from typing import Any

from starlette.responses import Response

from app.api import lean_intake
from app.main import create_app

# A post's answer as the service sends it (15 fields, no finding): about 1.6 kB of JSON
ANSWER = json.dumps(
    {
        "submission_id": 123456,
        "discrepancies": [],
        "fields": {
            f"field_{i}": {
                "accepted": 100 + i,
                "submission_id": 123456,
                "source": "ppk",
                "outranked_by": None,
            }
            for i in range(15)
        },
        "recheck": "queued",
    }
).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]


async def bare(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Read the whole body, answer 201 with ANSWER (lifespan events acknowledged)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 201, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})


def _fixed_answer(*_: Any) -> Response:
    return Response(ANSWER, status_code=201, media_type="application/json")


def __getattr__(name: str) -> Any:
    """`stack`, built when uvicorn asks for it: the short path's work is replaced in this
    process only then, so importing this module changes nothing."""
    if name != "stack":
        raise AttributeError(name)
    lean_intake._answer = _fixed_answer  # type: ignore[assignment]
    return create_app()
