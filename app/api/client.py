"""The client address of a request, decided in this one place (sign-in limits, audit `remote`).

X-Forwarded-For is anyone's to write, so it is believed only when the peer is a configured proxy
(REKAP_TRUSTED_PROXIES); otherwise rotating it would give an attacker a fresh sign-in budget per
request. `rekap serve` turns uvicorn's own proxy-header handling off so it cannot decide first.
"""

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from fastapi import Request

from app.config import Settings

Network = IPv4Network | IPv6Network


def is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    """Whether an address (a string from a socket or a header) is one of the trusted proxies."""
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def forwarded_client(peer: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The peer, unless it is a trusted proxy: then, walking X-Forwarded-For from the right (the
    hop nearest us), the first address that is not a trusted proxy. Entries left of it were
    written by the client and are ignored; an entry that is not an address stops the walk at
    the last trusted hop (stricter: such requests share that hop's budget)."""
    address = peer
    for hop in reversed(forwarded_for):
        if not is_trusted(address, trusted):
            break
        hop = hop.strip()
        try:
            ip_address(hop)
        except ValueError:
            break
        address = hop
    return address


def client_address(request: Request, settings: Settings) -> str | None:
    """The request's client address (None when the server gives no peer)."""
    if request.client is None:
        return None
    hops = [
        hop
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    return forwarded_client(request.client.host, hops, settings.trusted_proxies)
