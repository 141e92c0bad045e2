"""Reading and writing packet capture files: classic pcap and pcapng.

The simulator records what it puts on its virtual wires so learners can open the run in Wireshark,
and the tests read the real keepalived/ucarp captures in ``shared/captures``. Reading accepts
classic pcap in both byte orders with microsecond or nanosecond timestamps, and pcapng (section
header, interface description, enhanced/simple/obsolete packet blocks; other blocks are skipped).
Writing produces classic little-endian pcap, with microsecond or nanosecond timestamps.

Timestamps are integer nanoseconds since the epoch, the same unit simlab's clock uses, so nothing is
lost to float rounding. Files are read whole into memory: lab captures are small.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .errors import DecodeError

__all__ = [
    "LINKTYPE_ETHERNET",
    "PcapRecord",
    "pcap_bytes",
    "read_pcap",
    "write_pcap",
]

LINKTYPE_ETHERNET = 1  # LINKTYPE_EN10MB

_MAGIC_US = 0xA1B2C3D4
_MAGIC_NS = 0xA1B23C4D
_PCAPNG_SHB = 0x0A0D0D0A
_PCAPNG_BOM = 0x1A2B3C4D

_BT_IDB = 0x00000001
_BT_PB = 0x00000002  # obsolete packet block
_BT_SPB = 0x00000003
_BT_EPB = 0x00000006

_OPT_END = 0
_OPT_IF_TSRESOL = 9
_OPT_IF_TSOFFSET = 14


@dataclass(frozen=True)
class PcapRecord:
    """One captured frame. ``orig_len`` is the on-wire length (may exceed ``len(frame)``)."""

    ts_ns: int
    frame: bytes
    orig_len: int | None = None
    linktype: int = LINKTYPE_ETHERNET
    interface: int = 0

    @property
    def wire_length(self) -> int:
        return len(self.frame) if self.orig_len is None else self.orig_len


def _load(source: bytes | bytearray | memoryview | str | os.PathLike | BinaryIO) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            return fh.read()
    return source.read()


def read_pcap(
    source: bytes | bytearray | memoryview | str | os.PathLike | BinaryIO,
) -> Iterator[PcapRecord]:
    """Iterate over the records of a pcap or pcapng file (path, open binary file or bytes).

    Raises :class:`DecodeError` (layer "pcap" or "pcapng", offset into the file) on a truncated or
    malformed file; records before the damage have already been yielded.
    """
    data = _load(source)
    if len(data) < 4:
        raise DecodeError("pcap", len(data), "file too short for a magic number")
    if struct.unpack_from("<I", data)[0] == _PCAPNG_SHB:
        return _read_pcapng(data)
    return _read_classic(data)


def _read_classic(data: bytes) -> Iterator[PcapRecord]:
    for order in ("<", ">"):
        (magic,) = struct.unpack_from(order + "I", data)
        if magic in (_MAGIC_US, _MAGIC_NS):
            break
    else:
        raise DecodeError("pcap", 0, f"unknown magic number 0x{data[:4].hex()}")
    if len(data) < 24:
        raise DecodeError("pcap", len(data), "truncated file header (24 bytes)")
    major, network = (
        struct.unpack_from(order + "H", data, 4)[0],
        struct.unpack_from(order + "I", data, 20)[0],
    )
    if major != 2:
        raise DecodeError("pcap", 4, f"unsupported major version {major}")
    linktype = network & 0x0FFFFFFF  # upper bits carry FCS information, not the link type
    scale = 1 if magic == _MAGIC_NS else 1000
    frac_limit = 1_000_000_000 if magic == _MAGIC_NS else 1_000_000
    return _classic_records(data, order, scale, frac_limit, linktype)


def _classic_records(
    data: bytes, order: str, scale: int, frac_limit: int, linktype: int
) -> Iterator[PcapRecord]:
    header = struct.Struct(order + "IIII")
    pos = 24
    while pos < len(data):
        if pos + 16 > len(data):
            raise DecodeError("pcap", pos, "truncated record header")
        sec, frac, incl, orig = header.unpack_from(data, pos)
        if frac >= frac_limit:
            raise DecodeError("pcap", pos + 4, f"sub-second timestamp {frac} out of range")
        if pos + 16 + incl > len(data):
            raise DecodeError(
                "pcap", pos + 8, f"record claims {incl} bytes, file has {len(data) - pos - 16}"
            )
        frame = data[pos + 16 : pos + 16 + incl]
        yield PcapRecord(sec * 1_000_000_000 + frac * scale, frame, orig, linktype)
        pos += 16 + incl


def _units_to_ns(ts: int, resol: int) -> int:
    """Convert a pcapng timestamp in if_tsresol units to nanoseconds (exactly when possible)."""
    if resol & 0x80:
        return (ts * 1_000_000_000) >> (resol & 0x7F)
    if resol <= 9:
        return ts * 10 ** (9 - resol)
    return ts // 10 ** (resol - 9)


def _read_pcapng(data: bytes) -> Iterator[PcapRecord]:
    pos = 0
    order = "<"
    interfaces: list[tuple[int, int, int, int]] = []  # linktype, snaplen, tsresol, tsoffset s
    while pos < len(data):
        if pos + 12 > len(data):
            raise DecodeError("pcapng", pos, "truncated block header")
        (btype,) = struct.unpack_from("<I", data, pos)
        if btype == _PCAPNG_SHB:
            (bom,) = struct.unpack_from("<I", data, pos + 8)
            if bom == _PCAPNG_BOM:
                order = "<"
            elif bom == int.from_bytes(_PCAPNG_BOM.to_bytes(4, "little"), "big"):
                order = ">"
            else:
                raise DecodeError("pcapng", pos + 8, "bad byte-order magic in section header")
            interfaces = []
        btype, blen = struct.unpack_from(order + "II", data, pos)
        if blen < 12 or blen % 4:
            raise DecodeError("pcapng", pos + 4, f"invalid block length {blen}")
        if pos + blen > len(data):
            raise DecodeError("pcapng", pos + 4, f"block of {blen} bytes runs past end of file")
        (trailer,) = struct.unpack_from(order + "I", data, pos + blen - 4)
        if trailer != blen:
            raise DecodeError("pcapng", pos + blen - 4, "block length trailer does not match")
        body = data[pos + 8 : pos + blen - 4]
        if btype == _BT_IDB:
            interfaces.append(_parse_idb(body, order, pos + 8))
        elif btype in (_BT_EPB, _BT_PB, _BT_SPB):
            yield _parse_packet(btype, body, order, pos + 8, interfaces)
        pos += blen


def _parse_idb(body: bytes, order: str, at: int) -> tuple[int, int, int, int]:
    if len(body) < 8:
        raise DecodeError("pcapng", at, "interface description block too short")
    linktype, _reserved, snaplen = struct.unpack_from(order + "HHI", body)
    tsresol, tsoffset = 6, 0
    for code, value, _ in _options(body, 8, order, at):
        if code == _OPT_IF_TSRESOL and len(value) >= 1:
            tsresol = value[0]
        elif code == _OPT_IF_TSOFFSET and len(value) >= 8:
            (tsoffset,) = struct.unpack_from(order + "q", value)
    return linktype, snaplen, tsresol, tsoffset


def _options(body: bytes, pos: int, order: str, at: int) -> Iterator[tuple[int, bytes, int]]:
    while pos + 4 <= len(body):
        code, length = struct.unpack_from(order + "HH", body, pos)
        if code == _OPT_END:
            return
        end = pos + 4 + length
        if end > len(body):
            raise DecodeError("pcapng", at + pos, f"option {code} runs past its block")
        yield code, body[pos + 4 : end], at + pos
        pos = end + (-length % 4)


def _parse_packet(
    btype: int, body: bytes, order: str, at: int, interfaces: list[tuple[int, int, int, int]]
) -> PcapRecord:
    if btype == _BT_SPB:
        if len(body) < 4:
            raise DecodeError("pcapng", at, "simple packet block too short")
        (orig,) = struct.unpack_from(order + "I", body)
        iface, ts, start = 0, None, 4
        if not interfaces:
            raise DecodeError("pcapng", at, "packet before any interface description")
        snaplen = interfaces[0][1]
        incl = min(orig, snaplen or orig, len(body) - 4)
    else:
        if len(body) < 20:
            raise DecodeError("pcapng", at, "packet block too short")
        if btype == _BT_EPB:
            iface, hi, lo, incl, orig = struct.unpack_from(order + "IIIII", body)
        else:
            iface, _drops, hi, lo, incl, orig = struct.unpack_from(order + "HHIIII", body)
        ts, start = (hi << 32) | lo, 20
        if incl > len(body) - 20:
            raise DecodeError("pcapng", at + 12, f"packet claims {incl} bytes, block is smaller")
    if iface >= len(interfaces):
        raise DecodeError("pcapng", at, f"packet refers to undefined interface {iface}")
    linktype, _snaplen, tsresol, tsoffset = interfaces[iface]
    ts_ns = 0 if ts is None else _units_to_ns(ts, tsresol) + tsoffset * 1_000_000_000
    return PcapRecord(ts_ns, body[start : start + incl], orig, linktype, iface)


def pcap_bytes(
    records: Iterable[PcapRecord | tuple[int, bytes]],
    *,
    nanoseconds: bool = False,
    linktype: int = LINKTYPE_ETHERNET,
    snaplen: int = 262144,
) -> bytes:
    """Serialise records (``PcapRecord`` or ``(ts_ns, frame)`` pairs) as a classic pcap file.

    With microsecond resolution timestamps are truncated towards the past, like libpcap does.
    """
    out = [
        struct.pack(
            "<IHHiIII", _MAGIC_NS if nanoseconds else _MAGIC_US, 2, 4, 0, 0, snaplen, linktype
        )
    ]
    for rec in records:
        if isinstance(rec, PcapRecord):
            ts_ns, frame, orig = rec.ts_ns, bytes(rec.frame), rec.wire_length
        else:
            ts_ns, frame = rec
            frame = bytes(frame)
            orig = len(frame)
        if ts_ns < 0:
            raise ValueError("pcap timestamps cannot be before the epoch")
        sec, ns = divmod(ts_ns, 1_000_000_000)
        frac = ns if nanoseconds else ns // 1000
        out.append(struct.pack("<IIII", sec, frac, len(frame), orig))
        out.append(frame)
    return b"".join(out)


def write_pcap(
    dest: str | os.PathLike | BinaryIO | None,
    records: Iterable[PcapRecord | tuple[int, bytes]],
    *,
    nanoseconds: bool = False,
    linktype: int = LINKTYPE_ETHERNET,
    snaplen: int = 262144,
) -> bytes:
    """Write a classic pcap file to ``dest`` (path or binary file; None = only return the bytes).

    Returns the bytes written.
    """
    blob = pcap_bytes(records, nanoseconds=nanoseconds, linktype=linktype, snaplen=snaplen)
    if dest is None:
        return blob
    if isinstance(dest, str | os.PathLike):
        with open(dest, "wb") as fh:
            fh.write(blob)
    else:
        dest.write(blob)
    return blob
