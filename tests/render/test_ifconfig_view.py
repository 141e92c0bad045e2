"""ifconfig / ip addr look-alikes: the lines a learner compares with the articles."""

from __future__ import annotations

from simlab.render.ifconfig import (
    AddressView,
    CarpView,
    InterfaceView,
    freebsd_ifconfig,
    linux_ip_addr,
)


def em0(state="MASTER", *, up=True, carrier=True):
    return InterfaceView(
        name="em0",
        mac="52:54:00:31:70:3d",
        admin_up=up,
        carrier=carrier,
        addresses=(
            AddressView("192.168.1.3/24"),
            AddressView("192.168.1.50/32", vhid=1),
        ),
        carp=(CarpView(state, 1, 1, 0),),
    )


def test_freebsd_ifconfig_matches_the_real_layout():
    assert freebsd_ifconfig(em0()) == "\n".join(
        [
            "em0: flags=8943<UP,BROADCAST,RUNNING,PROMISC,SIMPLEX,MULTICAST> metric 0 mtu 1500",
            "\toptions=80028<VLAN_MTU,JUMBO_MTU,LINKSTATE>",
            "\tether 52:54:00:31:70:3d",
            "\tinet 192.168.1.3 netmask 0xffffff00 broadcast 192.168.1.255",
            "\tinet 192.168.1.50 netmask 0xffffffff broadcast 192.168.1.50 vhid 1",
            "\tmedia: Ethernet autoselect (1000baseT <full-duplex>)",
            "\tstatus: active",
            "\tcarp: MASTER vhid 1 advbase 1 advskew 0",
        ]
    )


def test_freebsd_interface_down_shows_init_and_no_up_flag():
    text = freebsd_ifconfig(em0("INIT", up=False, carrier=False), peer_line=True)
    assert text.startswith("em0: flags=8902<BROADCAST,PROMISC,SIMPLEX,MULTICAST>")
    assert "\tstatus: no carrier" in text
    assert "\tcarp: INIT vhid 1 advbase 1 advskew 0\n\t      peer 224.0.0.18 peer6 ff02::12" in text


def test_linux_ip_addr_lists_the_vip_as_secondary_and_dummy0_as_noarp():
    eth0 = InterfaceView(
        name="eth0",
        mac="02:00:00:00:00:11",
        addresses=(AddressView("192.0.2.11/24"), AddressView("192.0.2.50/24")),
    )
    dummy = InterfaceView(
        name="dummy0",
        mac="6a:1f:00:00:00:01",
        kind="dummy",
        index=3,
        addresses=(AddressView("192.0.2.60/32"),),
    )
    lines = linux_ip_addr([eth0, dummy]).splitlines()
    assert lines[0] == (
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP "
        "group default qlen 1000"
    )
    assert "    inet 192.0.2.11/24 brd 192.0.2.255 scope global eth0" in lines
    assert "    inet 192.0.2.50/24 scope global secondary eth0" in lines
    assert lines[6].startswith("3: dummy0: <BROADCAST,NOARP,UP,LOWER_UP>")
    assert "state UNKNOWN" in lines[6]
    assert "    inet 192.0.2.60/32 scope global dummy0" in lines


def test_linux_link_without_carrier():
    eth0 = InterfaceView(name="eth0", mac="02:00:00:00:00:11", carrier=False)
    first = linux_ip_addr([eth0]).splitlines()[0]
    assert "<NO-CARRIER,BROADCAST,MULTICAST,UP>" in first and "state DOWN" in first
