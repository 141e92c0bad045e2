"""VrrpConfig: keepalived defaults, and validation errors that name the keyword and the range."""

from __future__ import annotations

import dataclasses

import pytest

from simlab.core.interface import Interface
from simlab.core.vrrp import VrrpConfig, VrrpRouter

S = 1_000_000_000
VIP = ("192.0.2.50/24",)


def test_keepalived_defaults():
    cfg = VrrpConfig(vrid=51, vips=VIP)
    assert (cfg.name, cfg.priority, cfg.version, cfg.advert_int_cs) == ("VI_1", 100, 2, 100)
    assert cfg.preempt and cfg.preempt_delay_ns == 0 and cfg.auth_type is None
    assert (cfg.garp_master_delay_ns, cfg.garp_master_repeat, cfg.garp_master_refresh_ns) == (
        5 * S,
        5,
        0,
    )
    assert cfg.v3_ipv4_pseudo_header and cfg.initial_state == "BACKUP"
    assert cfg.down_timer_adverts == 3 and not cfg.strict_rfc and not cfg.use_vmac
    assert not cfg.lower_prio_no_advert


def test_config_is_frozen_and_vips_become_a_tuple():
    cfg = VrrpConfig(vrid=51, vips=["192.0.2.50/24", "192.0.2.51"])
    assert cfg.vips == ("192.0.2.50/24", "192.0.2.51")
    assert cfg.vip_addresses == ("192.0.2.50", "192.0.2.51")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.priority = 1  # type: ignore[misc]


def test_keepalived_ipv6_instance_is_always_version_3():
    assert VrrpConfig(vrid=1, vips=("2001:db8::1/64",)).version == 3


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"vrid": 0}, "virtual_router_id must be an integer in 1..255"),
        ({"vrid": 256}, "virtual_router_id"),
        ({"priority": 0}, "priority must be an integer in 1..255"),
        ({"priority": 256}, "priority"),
        ({"vips": ()}, "virtual_ipaddress needs at least one"),
        ({"vips": "192.0.2.50"}, "not one string"),
        ({"vips": ("192.0.2.500",)}, "virtual_ipaddress '192.0.2.500'"),
        ({"vips": ("192.0.2.50", "2001:db8::1")}, "mixes IPv4 and IPv6"),
        ({"vips": ("192.0.2.50/24", "192.0.2.50/32")}, "same address twice"),
        ({"version": 4}, "vrrp_version must be 2 or 3"),
        ({"advert_int_cs": 150}, "whole seconds, 1..255 s"),
        ({"advert_int_cs": 0}, "advert_int for VRRPv2"),
        ({"version": 3, "advert_int_cs": 4096}, "advert_int (VRRPv3, centiseconds)"),
        ({"version": 3, "advert_int_cs": 0}, "1..4095"),
        ({"preempt": 1}, "preempt (nopreempt) must be True or False"),
        ({"preempt_delay_ns": 1001 * S}, "preempt_delay"),
        ({"preempt_delay_ns": -1}, "preempt_delay"),
        ({"auth_type": "AH", "auth_pass": "x"}, "not modelled"),
        ({"auth_type": "MD5", "auth_pass": "x"}, "auth_type must be PASS"),
        ({"auth_type": "PASS"}, "needs a non-empty auth_pass"),
        ({"auth_pass": "x"}, "auth_pass given without auth_type PASS"),
        ({"auth_type": "PASS", "auth_pass": "x", "version": 3}, "VRRPv2 only"),
        ({"garp_master_repeat": 0}, "garp_master_repeat"),
        ({"garp_master_delay_ns": -1}, "garp_master_delay"),
        ({"initial_state": "FAULT"}, "state must be MASTER or BACKUP"),
        ({"down_timer_adverts": 0}, "down_timer_adverts must be an integer in 1..100"),
        ({"name": "VI 1"}, "name must be a non-empty word"),
    ],
)
def test_invalid_values_raise_value_error_naming_the_keyword(kwargs, words):
    kwargs = {"vrid": 51, "vips": VIP, **kwargs}
    with pytest.raises(ValueError) as err:
        VrrpConfig(**kwargs)
    assert words in str(err.value)


def test_vrid_and_vips_are_required():
    with pytest.raises(TypeError):
        VrrpConfig(vips=VIP)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        VrrpConfig(vrid=1)  # type: ignore[call-arg]


def test_router_needs_the_address_of_its_family():
    with pytest.raises(ValueError, match="needs an ip on eth0"):
        VrrpRouter(VrrpConfig(vrid=1, vips=VIP), Interface("eth0", "02:00:00:00:00:01"))
    with pytest.raises(ValueError, match="needs an ip6_ll"):
        VrrpRouter(
            VrrpConfig(vrid=1, vips=("2001:db8::1",)),
            Interface("eth0", "02:00:00:00:00:01", "192.0.2.1"),
        )
