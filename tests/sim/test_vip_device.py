"""keepalived with the VIP on another device than the adverts (``dev eth0``, ``interface eth1``)."""

from __future__ import annotations

from simlab.config.scenario import load_scenario
from simlab.data import builtin_scenarios
from simlab.sim.build import build_world
from simlab.sim.trace import AddressChange, FrameSent
from simlab.wire.frames import parse_frame


def test_the_vip_is_added_on_its_device_and_announced_with_that_devices_mac():
    built = build_world(load_scenario(builtin_scenarios()["keepalived-split-brain"]))
    world = built.world
    world.run(10_000_000_000)
    (added,) = [r for r in world.trace.of(AddressChange) if r.added]
    assert (added.node, added.iface, added.mac) == ("server-1", "eth0", "02:00:00:00:00:11")
    garps = [r for r in world.trace.of(FrameSent) if r.kind == "garp"]
    assert garps and {(r.iface, parse_frame(r.frame).payload.sha) for r in garps} == {
        ("eth0", "02:00:00:00:00:11")
    }
    # the client learned the service IP at server-1's eth0, not at its sync NIC
    assert world["client"].arp_entry("192.0.2.50") == "02:00:00:00:00:11"
