"""URL hygiene: one canonical spelling per page, and a guard against fetching internal addresses.

``canonical_url`` makes two links to the same article compare equal (tracking parameters,
case, default ports, trailing slashes). ``check_url_allowed`` is the SSRF guard the fetcher
applies to every URL and every redirect hop: feeds are third-party input, and a feed item or a
redirect pointing at ``http://169.254.169.254/`` or ``http://10.0.0.5/admin`` must not be fetched.
``origin`` names the unit that pacing, robots.txt and failure counting work on.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from extractors.errors import UrlRefused, FetchError

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}

# Query parameters that only say how a reader arrived; they never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "vero_id",
        "oly_anon_id", "oly_enc_id", "rb_clickid", "s_cid", "cmpid", "ocid", "ito",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")  # Google Analytics, Piwik and Matomo campaign tags

# Cloud metadata endpoints. Link-local and private ranges already cover them; they are named
# here so the refusal message says what was refused.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


def origin(url: str) -> str:
    """``scheme://host:port`` of an absolute URL: one site, as RFC 9309 scopes a robots.txt.

    Pacing, robots.txt and failure counting all work per origin. Raises ValueError on a malformed port.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{parts.port or DEFAULT_PORTS.get(scheme, 0)}"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The one spelling of ``url`` used to compare and dedupe links.

    Drops the fragment and tracking parameters, lowercases scheme and host, drops the default
    port, strips a trailing slash on non-root paths and sorts the remaining query parameters.
    Something that is not an absolute URL is returned stripped but otherwise unchanged.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # e.g. a port that is not a number
        return url
    if not parts.scheme or not parts.netloc:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal: hostname drops the brackets
        host = f"[{host}]"
    netloc = host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = parts.path or "/"
    if path != "/" and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query_pairs = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name)
    ]
    query = urlencode(sorted(query_pairs), quote_via=quote)
    return urlunsplit((scheme, netloc, path, query, ""))


def _refusal_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``address`` must not be fetched, or None when it is a public address."""
    # An IPv6 address can wrap an IPv4 one (::ffff:10.0.0.1, 6to4, Teredo): judge the inner one.
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if inner is not None:
            reason = _refusal_reason(inner)
            if reason:
                return reason
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:  # 0.0.0.0 and :: reach the local host on many systems
        return "an unspecified (non-public) address"
    if address.is_private:
        return "a private-network address"
    if address.is_reserved or not address.is_global:
        return "a reserved, non-public address"
    return None


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address an IP-literal host stands for, without any lookup, else None.

    inet_aton also reads the legacy IPv4 spellings an HTTP client would connect to
    ("2852039166", "0xA9FEA9FE", "169.254.43518").
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _never_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Refused even with allow_private_networks: no news is served from a cloud metadata
    endpoint or a link-local address, and a redirect there is how credentials leak."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    return None


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address ``host`` stands for. IP literals, in any spelling, never touch DNS."""
    literal = _literal_address(host)
    if literal is not None:
        return [literal]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        addresses.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
    return addresses


def check_url_allowed(url: str, allow_private_networks: bool) -> None:
    """Raise FetchError unless ``url`` is http(s) and (unless allowed) resolves only to public addresses.

    Every address the host resolves to must be public: one private answer is enough to refuse,
    since the HTTP client may pick any of them. With ``allow_private_networks`` nothing is
    resolved, but an IP literal in the metadata or link-local ranges is still refused.
    Refusals raise :class:`UrlRefused`.
    Known limit: the name is resolved again when connecting (DNS rebinding is not prevented).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(url, f"malformed URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UrlRefused(url, f"scheme {scheme or '(none)'!r} is not allowed; only http and https")
    host = parts.hostname
    if not host:
        raise UrlRefused(url, "URL has no host")
    if allow_private_networks:
        literal = _literal_address(host)
        reason = _never_allowed(literal) if literal is not None else None
        if reason:
            logger.warning("refused %s: %s is %s", url, host, reason)
            raise UrlRefused(url, f"refused: {host} is {reason}, refused even with allow_private_networks")
        return
    try:
        addresses = _resolve(host, port or DEFAULT_PORTS[scheme])
    except (OSError, UnicodeError) as exc:
        raise FetchError(url, f"cannot resolve host {host!r} ({exc})") from None
    for address in addresses:
        reason = _refusal_reason(address)
        if reason:
            logger.warning("refused %s: %s resolves to %s, %s", url, host, address, reason)
            raise UrlRefused(
                url,
                f"refused: {host} resolves to {address}, {reason} "
                "(set allow_private_networks to fetch it)",
            )
