"""Which IP addresses are on the public internet: the address guard of outbound HTTP.

SPEC rule: outbound HTTP (title fetch, link checks) never reaches private networks.
core/fetch.py checks every address it resolves with `is_public_ip` before connecting.
"""

from __future__ import annotations

import ipaddress

_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64_PREFIXES = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)


def is_public_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Return True only for an address on the public internet, safe for Liaison to call."""
    if isinstance(ip, ipaddress.IPv6Address):
        # Tunnelled and translated forms reach an IPv4 address; judge that address instead.
        if ip.ipv4_mapped is not None:
            return is_public_ip(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            return is_public_ip(ip.sixtofour)
        if ip.teredo is not None:
            # Teredo relays are not something a link preview ever needs to reach.
            return False
        if any(ip in prefix for prefix in _NAT64_PREFIXES):
            return is_public_ip(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local or ip.scope_id:
            return False
    elif ip in _SHARED_ADDRESS_SPACE:
        return False
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    ):
        return False
    # is_global also excludes the special-purpose ranges the flags above don't name.
    return ip.is_global
