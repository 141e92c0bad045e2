"""The timer formulas against the worked numbers of PROTOCOLS.md §4 (keepalived, FreeBSD)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simlab.core.timing import (
    NS_PER_S,
    carp_advert_interval,
    carp_master_down,
    carp_skew,
    vrrp_master_down_interval,
    vrrp_skew_time,
)


@pytest.mark.parametrize(
    ("priority", "interval_cs", "skew_ns", "down_ns"),
    [
        # RFC 3768 §6.1 / RFC 5798 §6.1: Skew_Time = (256 - Priority) * interval / 256
        (100, 100, 609_375_000, 3_609_375_000),  # keepalived defaults; lab: 3.6 s
        (150, 100, 414_062_000, 3_414_062_000),  # exact 3.4140625 s, keepalived truncates to µs
        (200, 100, 218_750_000, 3_218_750_000),
        (254, 100, 7_812_000, 3_007_812_000),
        (1, 100, 996_093_000, 3_996_093_000),
        (100, 50, 304_687_000, 1_804_687_000),  # VRRPv3 advert_int 0.5
        (90, 100, 648_437_000, 3_648_437_000),  # 150 minus a 60-point tracker
    ],
)
def test_vrrp_skew_and_master_down_interval(priority, interval_cs, skew_ns, down_ns):
    assert vrrp_skew_time(priority, interval_cs) == skew_ns
    assert vrrp_master_down_interval(priority, interval_cs) == down_ns


def test_vrrp_max_interval_4095_cs():
    assert vrrp_master_down_interval(100, 4095) == pytest.approx(147.80 * NS_PER_S, rel=1e-4)


@pytest.mark.parametrize(
    ("advbase", "advskew", "interval_ns", "down_ns"),
    [
        (1, 0, 1_000_000_000, 3_000_000_000),
        (1, 100, 1_390_625_000, 3_390_625_000),  # the seed's second node
        (1, 240, 1_937_500_000, 3_937_500_000),  # fully demoted
        (2, 0, 2_000_000_000, 6_000_000_000),
    ],
)
def test_carp_advert_interval_and_master_down(advbase, advskew, interval_ns, down_ns):
    assert carp_advert_interval(advbase, advskew) == interval_ns
    assert carp_master_down(advbase, advskew) == down_ns


def test_carp_does_not_triple_the_skew_but_ucarp_deadratio_scales_advbase():
    assert carp_master_down(1, 100) - 3 * NS_PER_S == carp_skew(100)
    assert carp_master_down(1, 100, deadratio=5) == 5 * NS_PER_S + carp_skew(100)


@given(st.integers(1, 254), st.integers(1, 254), st.integers(1, 4095))
def test_a_higher_priority_never_waits_longer(p1, p2, interval_cs):
    low, high = sorted((p1, p2))
    assert vrrp_master_down_interval(high, interval_cs) <= vrrp_master_down_interval(
        low, interval_cs
    )
    # the skew is below one interval, so three missed adverts always come first
    assert 0 <= vrrp_skew_time(low, interval_cs) < interval_cs * 10_000_000


@given(st.integers(1, 255), st.integers(0, 254))
def test_carp_timers_are_whole_microseconds_and_ordered(advbase, advskew):
    interval, down = carp_advert_interval(advbase, advskew), carp_master_down(advbase, advskew)
    assert interval % 1000 == 0 and down % 1000 == 0
    assert interval < down
