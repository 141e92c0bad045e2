"""Fast smoke checks of the wire codecs against a few PROTOCOLS.md §7 vectors.

Kept tiny on purpose: the exhaustive golden, capture, oracle and property suites live in the other
test_wire_* modules; this one guards the first commit that simlab.core builds on.
"""

from simlab.wire import CarpAdvert, VrrpAdvert, carp_frame, parse_frame, vrrp_frame


def test_v2_1_frame_bytes():
    advert = VrrpAdvert(2, 51, 100, ("192.168.1.50",), 1)
    frame = vrrp_frame(advert, src_mac="00:00:5e:00:01:33", src_ip="192.168.1.3")
    assert frame.hex() == (
        "01005e00001200005e0001330800"
        "45c0002800000000ff7018e8c0a80103e0000012"
        "213364010001b8efc0a801320000000000000000"
    )
    parsed = parse_frame(frame)
    assert parsed.payload.checksum_rule == "rfc3768"


def test_c_1_frame_bytes():
    advert = CarpAdvert.signed(
        vhid=1,
        advskew=0,
        advbase=1,
        counter=0x1_00000002,
        password="testpass",
        addresses=["192.168.1.50"],
    )
    frame = carp_frame(advert, src_mac="00:00:5e:00:01:01", src_ip="192.168.1.3")
    assert frame[14:].hex() == (
        "45e0003800004000ff70d8b7c0a80103e0000012"
        "21010007000168ed0000000100000002333e82532d51d776fe4e178cca4c1b9e6ac25524"
    )
    assert parse_frame(frame).kind == "carp"
