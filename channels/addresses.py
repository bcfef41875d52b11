"""Where a webhook may go: the address check that keeps subscribers' URLs off internal networks.

A webhook URL comes from a subscription file, so it is checked on every address its host
resolves to (every one must pass: a name that resolves to one public and one private
address is refused), on every redirect, and the connection then goes to the address that
was checked (so the name cannot resolve differently a moment later). Private, loopback,
link-local, shared (CGNAT), multicast, reserved and unspecified addresses are refused
unless a network in ``alerts_webhook_allow`` holds them.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., list[tuple[Any, ...]]]


class AddressRefused(Exception):
    """The target resolves to an address that is not allowed; the message says which and why."""


def networks(allow: Sequence[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in allow)


def _plain(address: IPAddress) -> IPAddress:
    # ::ffff:127.0.0.1 is 127.0.0.1 on the wire.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def kind_of(address: IPAddress) -> str | None:
    """Why ``address`` is not a public one ("loopback", "private", ...), or None when it is."""
    address = _plain(address)
    for name, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return name
    return None if address.is_global else "non-public"


def address_allowed(address: IPAddress, allow: Sequence[IPNetwork]) -> bool:
    """A public address, or one inside an allow-listed network."""
    address = _plain(address)
    if any(address.version == net.version and address in net for net in allow):
        return True
    return kind_of(address) is None


def checked_address(host: str, port: int, allow: Sequence[IPNetwork], resolver: Resolver = socket.getaddrinfo) -> str:
    """The address to connect to for ``host``, once every address it resolves to passed the check."""
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"{host}: cannot be resolved ({exc})") from exc
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))
    if not addresses:
        raise AddressRefused(f"{host}: resolves to no address")
    for address in addresses:
        if not address_allowed(address, allow):
            raise AddressRefused(
                f"{host} resolves to {address}, a {kind_of(address)} address; "
                "refused unless a network in alerts_webhook_allow holds it"
            )
    return str(addresses[0])
