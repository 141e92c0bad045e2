"""`simlab demo`: the failovers it prints are the ones the timer formulas predict."""

from __future__ import annotations

from simlab.core.timing import carp_advert_interval, carp_master_down, vrrp_master_down_interval
from simlab.demo import run_demo


def run() -> tuple[list[str], object]:
    lines: list[str] = []
    result = run_demo(lines.append)
    return lines, result


def test_vrrp_backup_takes_over_one_master_down_interval_after_the_last_advert():
    _, result = run()
    assert result.vrrp.since_last_advert_ns == vrrp_master_down_interval(100, 100)
    # the outage the clients see is shorter by however long ago the last advert was
    assert 0 < result.vrrp.outage_ns <= vrrp_master_down_interval(100, 100)
    assert result.vrrp.outage_ns > vrrp_master_down_interval(100, 100) - 1_000_000_000


def test_carp_backup_takes_over_three_advbase_plus_its_skew_after_the_last_advert():
    _, result = run()
    assert result.carp.since_last_advert_ns == carp_master_down(1, 100)
    assert 0 < result.carp.outage_ns <= carp_master_down(1, 100)


def test_carp_preempts_at_the_slower_masters_next_advert_once_preempt_is_set():
    _, result = run()
    # hostb advertises every 1.390625 s from its takeover on; hosta preempts on the first one
    # after the sysctl change at t = 50 s
    interval = carp_advert_interval(1, 100)
    since = result.carp_preempted_at - result.carp.takeover
    assert since % interval == 0
    assert 50_000_000_000 <= result.carp_preempted_at < 50_000_000_000 + interval


def test_output_shows_the_real_log_lines_and_is_identical_run_to_run():
    first, _ = run()
    second, _ = run()
    assert first == second
    text = "\n".join(first)
    assert "server1 Keepalived_vrrp[" in text and "(VI_1) Entering MASTER STATE" in text
    assert "hostb kernel: carp: 1@em0: BACKUP -> MASTER (master timed out)" in text
    assert "carp: 1@em0: BACKUP -> MASTER (preempting a slower master)" in text
    assert "ucarp-carp.pcap" in text and "hmac ok" in text
