"""Read a packet capture the way someone debugging a service IP reads it.

One :class:`PacketSummary` per VRRP, CARP or ARP frame: who sent it, which protocol and version,
the vrid/vhid, priority or advskew/advbase, the interval, the addresses, whether the checksum is
good (and by which rule, since VRRPv3 over IPv4 has two), and for CARP whether the HMAC verifies.

The CARP HMAC covers every address of the vhid, and those addresses are not in the packet. They
come from the caller (``vips``); when none are given they are inferred from the gratuitous ARPs in
the same capture (a new master announces each service IP that way), and the report says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from ipaddress import ip_address

from simlab.wire.arp import Arp
from simlab.wire.carp import CarpAdvert
from simlab.wire.errors import DecodeError
from simlab.wire.frames import ParsedFrame, parse_frame
from simlab.wire.pcap import PcapRecord
from simlab.wire.vrrp import VRRP_AUTH_PASS, VrrpAdvert, auth_pass_text


@dataclass(frozen=True, slots=True)
class PacketSummary:
    """What one frame says. Fields that do not apply to its protocol are ``None``."""

    number: int  # 1-based frame number in the capture, as Wireshark counts
    time: float  # seconds since the first frame of the capture
    protocol: str  # "VRRP" | "CARP" | "ARP" | "undecodable"
    src_mac: str | None = None
    source: str | None = None
    destination: str | None = None
    ttl: int | None = None
    version: int | None = None
    vrid: int | None = None
    vhid: int | None = None
    priority: int | None = None
    advbase: int | None = None
    advskew: int | None = None
    demote: int | None = None
    interval: float | None = None  # seconds between adverts the sender announces
    addresses: tuple[str, ...] | None = None
    auth: str | None = None
    checksum: int | None = None
    checksum_status: str | None = None  # "ok" | "bad"
    checksum_rule: str | None = None
    counter: int | None = None
    hmac: str | None = None  # "ok" | "bad" | "unknown"
    classified_by: str | None = None
    arp_op: str | None = None
    sender_mac: str | None = None
    sender_ip: str | None = None
    target_mac: str | None = None
    target_ip: str | None = None
    gratuitous: bool | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: fields that do not apply are left out; addresses become a list."""
        out: dict[str, object] = {}
        for key, value in asdict(self).items():
            if value is None:
                continue
            out[key] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(slots=True)
class CaptureReport:
    """Every summarised frame, plus where the CARP service IPs came from."""

    packets: list[PacketSummary] = field(default_factory=list)
    vips: tuple[str, ...] = ()
    vips_inferred: bool = False
    notes: list[str] = field(default_factory=list)


def _parse(frame: bytes) -> ParsedFrame | DecodeError:
    try:
        return parse_frame(frame)
    except DecodeError as exc:
        return exc


def infer_vips(parsed: Iterable[ParsedFrame | DecodeError]) -> tuple[str, ...]:
    """IPv4 service IPs announced by gratuitous ARP in the capture, in numeric order."""
    found = {
        p.payload.spa
        for p in parsed
        if isinstance(p, ParsedFrame) and isinstance(p.payload, Arp) and p.payload.is_gratuitous
    }
    return tuple(sorted(found, key=lambda a: int(ip_address(a))))


def summarize_capture(
    records: Iterable[PcapRecord],
    *,
    password: str | None = None,
    vips: Sequence[str] = (),
) -> CaptureReport:
    """Summarise the VRRP, CARP and ARP frames of a capture (other frames are skipped)."""
    records = list(records)
    parsed = [_parse(record.frame) for record in records]  # each frame is decoded once
    report = CaptureReport(vips=tuple(vips))
    has_carp = any(isinstance(p, ParsedFrame) and isinstance(p.payload, CarpAdvert) for p in parsed)
    if password is not None and not vips and has_carp:
        report.vips = infer_vips(parsed)
        report.vips_inferred = True
        if report.vips:
            report.notes.append(
                "no --vip given: CARP HMACs checked against "
                f"{', '.join(report.vips)}, inferred from the gratuitous ARPs in the capture"
            )
        else:
            report.notes.append(
                "no --vip given and no gratuitous ARP in the capture: CARP HMACs cannot be "
                "checked (the HMAC covers the service IPs, which are not in the packet)"
            )
    start = records[0].ts_ns if records else 0
    for number, (record, frame) in enumerate(zip(records, parsed, strict=True), start=1):
        time = round((record.ts_ns - start) / 1e9, 9)
        summary = _summarize(number, time, frame, password, report)
        if summary is not None:
            report.packets.append(summary)
    return report


def _summarize(
    number: int,
    time: float,
    parsed: ParsedFrame | DecodeError,
    password: str | None,
    report: CaptureReport,
) -> PacketSummary | None:
    if isinstance(parsed, DecodeError):
        return PacketSummary(number, time, "undecodable", error=str(parsed))
    common = dict(
        number=number,
        time=time,
        src_mac=parsed.eth.src,
        source=parsed.src_ip,
        destination=parsed.dst_ip,
        ttl=parsed.ttl,
    )
    payload = parsed.payload
    if isinstance(payload, VrrpAdvert):
        auth = None
        if payload.version == 2:
            auth = "none" if payload.auth_type == 0 else f"type {payload.auth_type}"
            if payload.auth_type == VRRP_AUTH_PASS:
                text = auth_pass_text(payload.auth_data)
                auth = f"PASS {text!r}"
                if password is not None:
                    matches = text == password[:8]
                    auth += " (matches --password)" if matches else " (differs from --password)"
        return PacketSummary(
            protocol="VRRP",
            version=payload.version,
            vrid=payload.vrid,
            priority=payload.priority,
            interval=payload.interval_cs / 100,
            addresses=payload.addresses,
            auth=auth,
            checksum=payload.checksum,
            checksum_status="ok" if payload.checksum_ok else "bad",
            checksum_rule=payload.checksum_rule,
            classified_by=parsed.rule,
            **common,
        )
    if isinstance(payload, CarpAdvert):
        hmac = None
        if password is not None:
            hmac = (
                ("ok" if payload.hmac_ok(password, report.vips) else "bad")
                if report.vips
                else "unknown"
            )
        return PacketSummary(
            protocol="CARP",
            version=payload.version,
            vhid=payload.vhid,
            advbase=payload.advbase,
            advskew=payload.advskew,
            demote=payload.demote,
            interval=payload.advbase + payload.advskew / 256,
            checksum=payload.checksum,
            checksum_status="ok" if payload.checksum_ok else "bad",
            checksum_rule="carp (36 bytes, no pseudo-header)",
            counter=payload.counter,
            hmac=hmac,
            classified_by=parsed.rule,
            **common,
        )
    if isinstance(payload, Arp):
        return PacketSummary(
            protocol="ARP",
            arp_op={1: "request", 2: "reply"}.get(payload.op, f"op {payload.op}"),
            sender_mac=payload.sha,
            sender_ip=payload.spa,
            target_mac=payload.tha,
            target_ip=payload.tpa,
            gratuitous=payload.is_gratuitous,
            **common,
        )
    return None
