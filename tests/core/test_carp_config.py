"""CarpConfig validation: the ranges ifconfig / ucarp enforce, with messages naming the keyword."""

from __future__ import annotations

import pytest

from simlab.core.carp import CarpConfig


def test_defaults_are_freebsds():
    cfg = CarpConfig(vhid=1, vips=["192.168.1.50"])
    assert (cfg.advbase, cfg.advskew, cfg.password, cfg.preempt, cfg.demotion) == (
        1,
        0,
        "",
        False,
        0,
    )
    assert (cfg.flavour, cfg.deadratio, cfg.log, cfg.ifdown_demotion_factor) == (
        "freebsd",
        3,
        1,
        240,
    )
    assert cfg.vips == ("192.168.1.50/32",)  # normalised, stored as a tuple
    assert cfg.addresses == ("192.168.1.50",)


def test_flavour_defaults_for_log_and_ifdown_demotion():
    assert CarpConfig(vhid=1, flavour="openbsd").log == 2
    assert CarpConfig(vhid=1, flavour="openbsd").ifdown_demotion_factor == 1
    assert CarpConfig(vhid=1, log=0).log == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vhid": 0}, r"ifconfig vhid takes 1\.\.255, got 0"),
        ({"vhid": 256}, r"ifconfig vhid takes 1\.\.255"),
        ({"vhid": 1, "advbase": 0}, r"ifconfig advbase takes 1\.\.255 on freebsd"),
        ({"vhid": 1, "advbase": 256}, r"ifconfig advbase"),
        ({"vhid": 1, "advskew": 255}, r"ifconfig advskew takes 0\.\.254, got 255"),
        ({"vhid": 1, "advskew": -1}, r"ifconfig advskew"),
        ({"vhid": 1, "vips": ("192.168.1.500",)}, r"alias '192\.168\.1\.500'"),
        ({"vhid": 1, "vips": ("10.0.0.1", "10.0.0.1/24")}, r"given twice"),
        ({"vhid": 1, "flavour": "linux"}, r"flavour must be one of"),
        ({"vhid": 1, "deadratio": 4}, r"ucarp's --deadratio"),
        ({"vhid": 1, "preempt": 2}, r"net\.inet\.carp\.preempt takes 0 or 1"),
        ({"vhid": 1, "log": -1}, r"net\.inet\.carp\.log"),
        ({"vhid": 1.5}, r"vhid must be an integer"),
        ({"vhid": 1, "flavour": "ucarp", "vips": ("10.0.0.1",), "password": "x" * 20}, "ucarp"),
        ({"vhid": 1, "flavour": "ucarp", "vips": ("2001:db8::1",)}, r"exactly one IPv4"),
        ({"vhid": 1, "flavour": "ucarp", "vips": ("10.0.0.1", "10.0.0.2")}, r"exactly one"),
        ({"vhid": 1, "flavour": "ucarp", "vips": ("10.0.0.1",), "deadratio": 0}, "deadratio"),
        ({"vhid": 1, "flavour": "openbsd", "demotion": 300}, r"carpdemote takes 0\.\.255"),
    ],
)
def test_invalid_settings_name_the_keyword(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CarpConfig(**kwargs)


def test_flavour_specific_ranges():
    assert CarpConfig(vhid=1, flavour="openbsd", advbase=0).advbase == 0
    ucarp = CarpConfig(vhid=1, flavour="ucarp", vips=("10.0.0.1",), advskew=255, deadratio=5)
    assert ucarp.advskew == 255 and ucarp.deadratio == 5
    # FreeBSD silently uses only the first 19 bytes of a long pass
    assert CarpConfig(vhid=1, password="x" * 40).password == "x" * 40


def test_config_is_frozen():
    cfg = CarpConfig(vhid=1)
    with pytest.raises(AttributeError):
        cfg.vhid = 2  # type: ignore[misc]
