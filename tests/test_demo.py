"""`simlab demo`: the seed's CARP reboot experiment, and the numbers the formulas predict."""

from __future__ import annotations

import functools

from simlab.core.timing import carp_master_down, vrrp_master_down_interval
from simlab.demo import run_demo

WIRE = 200_000  # an advert crosses two 0.1 ms links (server -> switch -> server)


@functools.cache
def run() -> tuple[tuple[str, ...], object]:
    lines: list[str] = []
    result = run_demo(lines.append)
    return tuple(lines), result


def test_carp_backup_takes_over_three_advbase_plus_its_skew_after_the_last_advert():
    _, result = run()
    assert result.carp.since_last_advert == carp_master_down(1, 100) + WIRE
    # the client saw the gap from the fault on: shorter by the phase of the fault
    expected = result.carp.takeover - result.carp.fault
    assert abs(result.carp.outage - expected) <= 100_000_000  # one probe interval
    assert 2_000_000_000 < result.carp.outage < 3_500_000_000  # "about 3 seconds"


def test_keepalived_backup_waits_the_master_down_interval():
    _, result = run()
    assert result.keepalived.since_last_advert == vrrp_master_down_interval(100, 100) + WIRE


def test_the_output_shows_what_the_article_shows():
    lines, _ = run()
    text = "\n".join(lines)
    assert 'ifconfig_em0_alias0="inet vhid 1 advskew 100 pass testpass alias 192.0.2.50/32"' in text
    before, after = text.split("After the reboot")
    assert "\tcarp: MASTER vhid 1 advbase 1 advskew 0" in before
    assert "\tcarp: BACKUP vhid 1 advbase 1 advskew 100" in before
    assert "\tcarp: BACKUP vhid 1 advbase 1 advskew 0" in after  # preempt is off
    assert "\tcarp: MASTER vhid 1 advbase 1 advskew 100" in after
    assert "Request timeout for icmp_seq" in text
    assert "server-2 kernel: carp: 1@em0: BACKUP -> MASTER (master timed out)" in text
    assert "(VI_1) Entering MASTER STATE" in text
    assert "ucarp-carp.pcap" in text and "hmac ok" in text


def test_the_demo_is_identical_run_to_run():
    lines: list[str] = []
    run_demo(lines.append)
    assert tuple(lines) == run()[0]
