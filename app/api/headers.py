"""`X-Content-Type-Options: nosniff` on every response (API, console, static files, errors), so
no browser sniffs a JSON body or an uploaded image into HTML and runs it."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_NOSNIFF = (b"x-content-type-options", b"nosniff")


class NoSniffMiddleware:
    """Pure ASGI middleware: adds the header to each response start that lacks it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through; add the header on the way out."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if all(name.lower() != _NOSNIFF[0] for name, _ in headers):
                    headers.append(_NOSNIFF)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)
