"""simlab.wire: byte-exact codecs for the frames a service-IP HA lab puts on the wire.

What: Ethernet, ARP, IPv4, IPv6, ICMP/ICMPv6 (echo, neighbour advertisement), VRRPv2, VRRPv3 and
CARP (with its HMAC), whole-frame builders/parsers (:mod:`simlab.wire.frames`) and pcap/pcapng I/O
(:mod:`simlab.wire.pcap`).

Why a package of our own: the simulator must emit exactly the bytes keepalived, FreeBSD and ucarp
emit (checked against real captures and tshark), including their disagreements (VRRPv3 IPv4
checksum scope, CARP's HMAC input, ucarp's source MAC). Everything here is pure standard-library
Python with no I/O beyond reading/writing pcap files, so :mod:`simlab.core` can depend on it.

Decoders raise only :class:`~simlab.wire.errors.DecodeError`; bad checksums are reported in the
decoded objects, not raised.
"""

from .arp import Arp
from .carp import CarpAdvert, carp_hmac
from .checksum import internet_checksum
from .errors import DecodeError
from .ethernet import Ethernet
from .frames import (
    VRRP_GROUP_V4,
    VRRP_GROUP_V6,
    ParsedFrame,
    carp_frame,
    classify_proto112,
    garp_frame,
    parse_frame,
    unsolicited_na_frame,
    vrrp_frame,
)
from .icmp import IcmpEcho, NeighborAdvert
from .ipv4 import IPv4
from .ipv6 import IPv6
from .mac import BROADCAST, multicast_mac, ucarp_mac, virtual_mac
from .vrrp import VrrpAdvert, auth_pass_bytes

__all__ = [
    "BROADCAST",
    "VRRP_GROUP_V4",
    "VRRP_GROUP_V6",
    "Arp",
    "CarpAdvert",
    "DecodeError",
    "Ethernet",
    "IPv4",
    "IPv6",
    "IcmpEcho",
    "NeighborAdvert",
    "ParsedFrame",
    "VrrpAdvert",
    "auth_pass_bytes",
    "carp_frame",
    "carp_hmac",
    "classify_proto112",
    "garp_frame",
    "internet_checksum",
    "multicast_mac",
    "parse_frame",
    "ucarp_mac",
    "unsolicited_na_frame",
    "virtual_mac",
    "vrrp_frame",
]
