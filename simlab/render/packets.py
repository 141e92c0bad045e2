"""One line per packet, like tshark's summary, with the fields service-IP debugging needs."""

from __future__ import annotations

from simlab.analysis.capture import PacketSummary


def _interval(seconds: float) -> str:
    # Exact to the microsecond: CARP's 1.390625 s must not print as 1.39062 s.
    return f"{seconds:.6f}".rstrip("0").rstrip(".") + "s"


def packet_line(p: PacketSummary, *, verbose: bool = False) -> str:
    """``   7   4.621175 192.0.2.12 -> 224.0.0.18  VRRPv2 vrid 51 prio 100 int 1s ...``"""
    head = f"{p.number:4d} {p.time:11.6f} "
    if p.protocol == "undecodable":
        return head + f"undecodable: {p.error}"
    if p.protocol == "ARP":
        kind = "gratuitous " if p.gratuitous else ""
        if p.arp_op == "reply" or p.gratuitous:
            what = f"{p.sender_ip} is at {p.sender_mac}"
        else:
            what = f"who has {p.target_ip}? tell {p.sender_ip}"
        return head + f"{p.src_mac:<31} ARP    {kind}{p.arp_op}: {what}"
    route = f"{p.source} -> {p.destination}"
    parts = [f"{route:<31}"]
    if p.protocol == "VRRP":
        parts.append(f"VRRPv{p.version} vrid {p.vrid} prio {p.priority}")
        parts.append(f"int {_interval(p.interval or 0)}")
        parts.append("[" + " ".join(p.addresses or ()) + "]")
        if p.auth and p.auth != "none":
            parts.append(f"auth {p.auth}")
    else:
        parts.append(f"CARP   vhid {p.vhid} advbase {p.advbase} advskew {p.advskew}")
        if p.demote:
            parts.append(f"demote {p.demote}")
        parts.append(f"({_interval(p.interval or 0)})")
        parts.append(f"counter {p.counter:016x}")
    status = f"cksum 0x{p.checksum:04x} {p.checksum_status}"
    if verbose and p.checksum_rule:
        status += f" ({p.checksum_rule})"
    parts.append(status)
    if p.hmac is not None:
        parts.append(f"hmac {p.hmac}")
    if p.ttl is not None and p.ttl != 255:
        parts.append(f"ttl {p.ttl} (not 255: receivers drop it)")
    if verbose and p.classified_by:
        parts.append(f"[{p.classified_by}]")
    return head + " ".join(parts)
