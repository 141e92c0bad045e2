"""Protocol timer formulas, in exact integer nanoseconds.

Each function follows one implementation's arithmetic, because that is what a learner measures
on a real host:

* VRRP as keepalived computes it: timers in whole microseconds, skew truncated to the
  microsecond (``(256 - priority) * interval_us // 256``). At priority 100 and a 1 s interval this
  is exactly the RFC's 0.609375 s, so the master down interval is 3.609375 s.
* CARP as FreeBSD carp(4) computes it: ``advbase`` seconds plus ``advskew * 1e6 // 256``
  microseconds. The advert interval adds the skew once; the master down interval is
  ``3 * advbase`` plus the skew (the skew is *not* tripled). FreeBSD also rounds to kernel
  ticks (1 ms at ``hz=1000``); that rounding is not modelled.
"""

from __future__ import annotations

NS_PER_US = 1_000
NS_PER_MS = 1_000_000
NS_PER_CS = 10_000_000
NS_PER_S = 1_000_000_000


def seconds(ns: int) -> float:
    """Nanoseconds to seconds, for people."""
    return ns / NS_PER_S


def vrrp_skew_time(priority: int, interval_cs: int) -> int:
    """Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, truncated to a microsecond.

    VRRPv2 (RFC 3768 §6.1) and VRRPv3 (RFC 5798 §6.1, RFC 9568 §6.1) share this form once the
    v2 interval is expressed in centiseconds (1 s = 100 cs).
    """
    interval_us = interval_cs * (NS_PER_CS // NS_PER_US)
    return (256 - priority) * interval_us // 256 * NS_PER_US


def vrrp_master_down_interval(priority: int, interval_cs: int, adverts: int = 3) -> int:
    """Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time (``adverts`` is keepalived's
    ``down_timer_adverts``, 3 by default)."""
    return adverts * interval_cs * NS_PER_CS + vrrp_skew_time(priority, interval_cs)


def carp_skew(advskew: int) -> int:
    """CARP skew: ``advskew`` 1/256ths of a second, truncated to a microsecond as FreeBSD does."""
    return advskew * 1_000_000 // 256 * NS_PER_US


def carp_advert_interval(advbase: int, advskew: int) -> int:
    """Time between adverts: advbase + advskew/256 s (advskew 100 -> 1.390625 s)."""
    return advbase * NS_PER_S + carp_skew(advskew)


def carp_master_down(advbase: int, advskew: int, deadratio: int = 3) -> int:
    """Backup's master-down timeout: 3 * advbase + advskew/256 s (advskew 100 -> 3.390625 s).

    ``deadratio`` is ucarp's ``--deadratio`` (3, as in the kernel, by default).
    """
    return deadratio * advbase * NS_PER_S + carp_skew(advskew)
