"""VRRP state machine, one test per RFC 3768 / RFC 5798 / RFC 9568 clause or keepalived behaviour.

Direct calls only (no Segment, no simulation). Times are integer nanoseconds; the worked numbers are
keepalived's microsecond arithmetic (PROTOCOLS.md §4).
"""

from __future__ import annotations

import pytest

from simlab.core.actions import (
    AddAddress,
    ArmTimer,
    CancelTimer,
    Log,
    RemoveAddress,
    SendFrame,
    StateChanged,
)
from simlab.core.events import (
    ForceState,
    FrameReceived,
    LinkChanged,
    SetParameter,
    Shutdown,
    Startup,
    TimerFired,
)
from simlab.core.interface import Interface
from simlab.core.vrrp import VrrpConfig, VrrpRouter
from simlab.wire.frames import parse_frame, vrrp_frame
from simlab.wire.vrrp import VrrpAdvert

S = 1_000_000_000
MS = 1_000_000
ME = Interface("eth0", "02:00:00:00:00:12", "192.0.2.12")
PEER = "192.0.2.11"  # lower address than ME
HIGH_PEER = "192.0.2.13"  # higher address than ME
VIP = "192.0.2.50/24"


def router(**kw) -> VrrpRouter:
    kw.setdefault("vrid", 51)
    kw.setdefault("vips", (VIP,))
    return VrrpRouter(VrrpConfig(**kw), ME)


def advert(
    prio: int,
    *,
    src: str = PEER,
    version: int = 2,
    interval: int | None = None,
    vrid: int = 51,
    addresses: tuple[str, ...] = ("192.0.2.50",),
) -> bytes:
    if interval is None:
        interval = 1 if version == 2 else 100
    adv = VrrpAdvert(
        version=version, vrid=vrid, priority=prio, addresses=addresses, advert_int=interval
    )
    return vrrp_frame(adv, src_mac="02:00:00:00:00:99", src_ip=src)


def of(actions, cls):
    return [a for a in actions if isinstance(a, cls)]


def texts(actions, *, detail: bool | None = None) -> list[str]:
    return [a.text for a in of(actions, Log) if detail is None or a.detail == detail]


def adverts(actions) -> list[VrrpAdvert]:
    return [parse_frame(a.frame).payload for a in of(actions, SendFrame) if a.kind == "advert"]


def arm(actions) -> int | None:
    arms = of(actions, ArmTimer)
    return arms[-1].at if arms else None


def backup(**kw) -> VrrpRouter:
    r = router(**kw)
    r.start(0)
    assert r.state == "BACKUP"
    return r


def master(now: int = 0, **kw) -> VrrpRouter:
    """A router that became MASTER by timing out at its first down timer."""
    r = backup(**kw)
    r.timer_fired(r.next_deadline)
    assert r.state == "MASTER"
    return r


def advance(r: VrrpRouter, until: int) -> list:
    """Fire the router's timers, as a driver would, up to ``until``."""
    out = []
    while r.next_deadline is not None and r.next_deadline <= until:
        out += r.timer_fired(r.next_deadline)
    return out


# ---------------------------------------------------------------------------------- §6.4.1 init


def test_rfc3768_6_4_1_startup_enters_backup_with_master_down_interval():
    r = router()
    actions = r.start(0)
    assert actions[0] == StateChanged("INIT", "BACKUP", "startup")
    assert "(VI_1) Entering BACKUP STATE (init)" in texts(actions, detail=False)
    assert actions[-1] == ArmTimer(3_609_375_000)  # 3 * 1 s + (256-100)/256 s
    assert r.master_down_interval_ns == 3_609_375_000
    assert r.skew_time_ns == 609_375_000


def test_rfc3768_6_4_2_prio100_first_takeover_at_3_609_375_000_ns():
    r = backup()
    # an early wake-up changes nothing but re-arms the driver's timer
    assert r.timer_fired(3_609_375_000 - 1) == [ArmTimer(3_609_375_000)]
    assert r.state == "BACKUP"
    actions = r.timer_fired(3_609_375_000)
    assert actions[0] == StateChanged("BACKUP", "MASTER", "master down timer expired")


def test_keepalived_prio150_takeover_at_3_414_062_000_ns():
    # RFC arithmetic gives 3.4140625 s; keepalived truncates the skew to the microsecond
    # ((256-150) * 1e6 // 256 = 414062 us), as simlab.core.timing does.
    r = router(priority=150)
    assert arm(r.start(0)) == 3_414_062_000


def test_rfc5798_6_1_v3_50cs_master_down_interval_is_1_804_687_000_ns():
    # 3 * 50 cs + (256-100) * 50 cs / 256 = 1.8046875 s, skew truncated to 304687 us.
    r = router(version=3, advert_int_cs=50)
    assert arm(r.start(0)) == 1_804_687_000


def test_rfc3768_6_1_v2_skew_does_not_scale_with_advert_interval():
    # RFC 3768: Skew_Time = (256 - Priority) / 256 seconds, whatever Advertisement_Interval.
    r = router(advert_int_cs=200)
    assert arm(r.start(0)) == 6 * S + 609_375_000


def test_keepalived_down_timer_adverts_multiplies_the_interval():
    r = router(down_timer_adverts=5)
    assert arm(r.start(0)) == 5 * S + 609_375_000


def test_rfc3768_6_4_1_owner_priority_255_becomes_master_at_once():
    r = router(priority=255)
    actions = r.start(7)
    assert actions[0].new == "MASTER" and r.state == "MASTER"
    assert of(actions, AddAddress) == [AddAddress("eth0", VIP, ME.mac)]
    assert [a.priority for a in adverts(actions)] == [255]
    assert arm(actions) == 7 + S


def test_keepalived_state_master_below_255_still_waits_in_backup():
    r = router(priority=150, initial_state="MASTER")
    actions = r.start(0)
    assert r.state == "BACKUP"
    assert "(VI_1) Entering BACKUP STATE (init)" in texts(actions)


def test_start_twice_is_a_no_op():
    r = backup()
    assert r.start(5) == []


# --------------------------------------------------------------------------- §6.4.2 backup


def test_rfc3768_6_4_2_master_down_timer_fires_becomes_master_in_contract_order():
    r = backup()
    actions = r.timer_fired(3_609_375_000)
    kinds = [type(a).__name__ for a in actions]
    first_add = kinds.index("AddAddress")
    assert kinds[0] == "StateChanged"
    assert set(kinds[1:first_add]) == {"Log"}
    assert isinstance(actions[first_add + 1], SendFrame) and actions[first_add + 1].kind == "advert"
    assert [a.kind for a in actions[first_add + 2 : -1]] == ["garp"] * 5
    assert actions[-1] == ArmTimer(3_609_375_000 + S)
    assert texts(actions, detail=False) == ["(VI_1) Entering MASTER STATE"]
    assert (
        texts(actions, detail=True)
        == [
            "(VI_1) Receive advertisement timeout",
            "(VI_1) setting VIPs.",
            "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.0.2.50",
        ]
        + ["Sending gratuitous ARP on eth0 for 192.0.2.50"] * 5
    )


def test_rfc3768_6_4_2_backup_prio0_sets_skew_time():
    r = backup()
    now = 2 * S
    actions = r.frame_received(now, advert(0))
    assert texts(actions) == ["(VI_1) Backup received priority 0 advertisement"]
    assert of(actions, Log)[0].detail
    assert arm(actions) == now + 609_375_000
    assert not r.steady
    r.timer_fired(now + 609_375_000)
    assert r.state == "MASTER"


def test_rfc3768_6_4_2_backup_higher_prio_resets_master_down_timer():
    r = backup()
    actions = r.frame_received(2 * S, advert(150))
    assert actions == [ArmTimer(2 * S + 3_609_375_000)]
    assert r.steady


def test_rfc3768_6_4_2_backup_equal_prio_resets_master_down_timer():
    r = backup()
    assert arm(r.frame_received(2 * S, advert(100, src=PEER))) == 2 * S + 3_609_375_000


def test_rfc3768_6_4_2_backup_lower_prio_with_preempt_is_discarded_timer_keeps_running():
    r = backup(priority=150)
    actions = r.frame_received(2 * S, advert(90, src=PEER))
    assert texts(actions) == [
        "(VI_1) received lower priority (90) advert from 192.0.2.11 - discarding"
    ]
    assert of(actions, ArmTimer) == []
    assert r.next_deadline == 3_414_062_000
    r.timer_fired(3_414_062_000)
    assert r.state == "MASTER"


def test_keepalived_nopreempt_accepts_every_advert_even_lower_priority():
    r = backup(priority=150, preempt=False)
    for t in range(1, 30):
        actions = r.frame_received(t * S, advert(90))
        assert arm(actions) == t * S + 3_414_062_000
        assert not any("discarding" in x for x in texts(actions))
        advance(r, t * S + S - 1)
    assert r.state == "BACKUP"


def test_keepalived_preempt_delay_accepts_lower_adverts_until_it_expires():
    r = backup(priority=150, preempt_delay_ns=10 * S)
    takeover = None
    for t in range(1, 30):
        actions = advance(r, t * S)
        if r.state == "MASTER":
            takeover = of(actions, StateChanged)[0]
            break
        actions = r.frame_received(t * S, advert(90))
        if t == 1:
            assert texts(actions) == ["(VI_1) start preempt delay (10.000000)"]
        if t <= 10:  # delay started at 1 s and runs out at 11 s
            assert arm(actions) == t * S + 3_414_062_000
        else:
            assert "discarding" in texts(actions)[0]
    assert takeover is not None and takeover.new == "MASTER"
    # Last accepted advert at 10 s, so the takeover is one down interval later.
    assert r.next_deadline == 10 * S + 3_414_062_000 + S


def test_keepalived_preempt_delay_stops_on_a_higher_advert():
    r = backup(priority=150, preempt_delay_ns=10 * S)
    r.frame_received(1 * S, advert(90))
    assert not r.steady
    actions = r.frame_received(2 * S, advert(200))
    assert texts(actions) == ["(VI_1) stop preempt delay"]
    assert r.steady


def test_rfc5798_6_4_2_backup_learns_master_adver_interval():
    # A backup configured for 100 cs hearing a 50 cs master times out at 3*50 cs + skew(50 cs).
    r = backup(version=3)
    actions = r.frame_received(S, advert(150, version=3, interval=50))
    assert r.master_adver_interval_cs == 50
    assert arm(actions) == S + 1_500_000_000 + 304_687_000
    assert texts(actions, detail=True) == [
        "(VI_1) advertisement interval updated from 1000ms to 500ms by master"
    ]


def test_rfc9568_6_4_2_backup_recomputes_skew_with_learned_interval():
    # RFC 5798's Backup text forgot the Skew_Time recompute (erratum); RFC 9568 has it.
    r = backup(version=3)
    r.frame_received(S, advert(150, version=3, interval=50))
    assert r.skew_time_ns == 304_687_000  # not 609_375_000, the skew at 100 cs
    actions = r.frame_received(2 * S, advert(0, version=3, interval=50))
    assert arm(actions) == 2 * S + 304_687_000


def test_rfc5798_7_1_v3_interval_mismatch_is_not_a_drop():
    r = backup(version=3, advert_int_cs=100)
    actions = r.frame_received(S, advert(150, version=3, interval=200))
    assert arm(actions) == S + 6 * S + 2 * 609_375_000


def test_rfc3768_6_4_2_shutdown_in_backup_cancels_the_timer():
    r = backup()
    actions = r.shutdown(S)
    assert actions == [StateChanged("BACKUP", "INIT", "shutdown"), CancelTimer()]
    assert r.state == "INIT" and r.next_deadline is None


# --------------------------------------------------------------------------- §6.4.3 master


def test_rfc3768_6_4_3_adver_timer_sends_advert_and_rearms():
    r = master()
    t = r.next_deadline
    actions = r.timer_fired(t)
    assert [a.priority for a in adverts(actions)] == [100]
    assert actions[-1] == ArmTimer(t + S)


def test_rfc3768_6_4_3_master_prio0_sends_advert_and_resets_adver_timer():
    r = master()
    now = r.next_deadline - 300 * MS
    actions = r.frame_received(now, advert(0))
    assert [a.priority for a in adverts(actions)] == [100]
    assert arm(actions) == now + S
    assert r.state == "MASTER"


def test_rfc3768_6_4_3_master_higher_prio_steps_down():
    r = master()
    now = r.next_deadline - 500 * MS
    actions = r.frame_received(now, advert(150, src=PEER))
    assert actions[0] == StateChanged(
        "MASTER", "BACKUP", "higher priority 150 advert from 192.0.2.11"
    )
    assert texts(actions, detail=False) == [
        "(VI_1) Master received advert from 192.0.2.11 with higher priority 150, ours 100",
        "(VI_1) Entering BACKUP STATE",
    ]
    assert of(actions, RemoveAddress) == [RemoveAddress("eth0", VIP)]
    assert adverts(actions) == []
    assert arm(actions) == now + 3_609_375_000


def test_rfc3768_6_4_3_equal_prio_higher_sender_ip_wins_tiebreak():
    r = master()
    actions = r.frame_received(5 * S, advert(100, src=HIGH_PEER))
    assert r.state == "BACKUP"
    assert (
        "(VI_1) Master received advert from 192.0.2.13 with same priority 100 "
        "but higher IP address than ours"
    ) in texts(actions)


def test_rfc3768_6_4_3_equal_prio_lower_sender_ip_keeps_master():
    r = master()
    actions = r.frame_received(5 * S, advert(100, src=PEER))
    assert r.state == "MASTER"
    assert texts(actions) == [
        "(VI_1) Received advert from 192.0.2.11 with lower priority 100, ours 100, "
        "forcing new election"
    ]


def test_rfc9568_6_4_3_tiebreak_is_unsigned_compare_in_network_order():
    # 192.0.2.9 < 192.0.2.12 < 192.0.2.100 as integers (as text "192.0.2.9" > "192.0.2.12").
    r = master()
    r.frame_received(5 * S, advert(100, src="192.0.2.9"))
    assert r.state == "MASTER"
    r.frame_received(5 * S + 1, advert(100, src="192.0.2.100"))
    assert r.state == "BACKUP"


def test_keepalived_master_lower_prio_advert_forces_new_election():
    r = master()
    actions = r.frame_received(5 * S, advert(90))
    assert texts(actions) == [
        "(VI_1) Received advert from 192.0.2.11 with lower priority 90, ours 100, "
        "forcing new election"
    ]
    assert [a.priority for a in adverts(actions)] == [100]
    assert of(actions, ArmTimer) == []  # the advert timer keeps its phase


def test_keepalived_lower_prio_no_advert_just_discards():
    r = master(lower_prio_no_advert=True)
    actions = r.frame_received(5 * S, advert(90))
    assert adverts(actions) == []
    assert texts(actions) == [
        "(VI_1) Received advert from 192.0.2.11 with lower priority 90, ours 100"
    ]


def test_strict_rfc3768_6_4_3_master_discards_lower_prio_silently():
    r = master(strict_rfc=True)
    assert r.frame_received(5 * S, advert(90)) == []


def test_strict_rfc9568_6_4_3_v3_master_answers_lower_prio_with_an_advert():
    r = master(strict_rfc=True, version=3)
    actions = r.frame_received(5 * S, advert(90, version=3))
    assert [a.priority for a in adverts(actions)] == [100]
    assert of(actions, Log) == []


def test_rfc5798_6_4_3_master_stepping_down_learns_interval():
    r = master(version=3)
    now = 10 * S
    actions = r.frame_received(now, advert(150, version=3, interval=50))
    assert r.state == "BACKUP" and r.master_adver_interval_cs == 50
    assert arm(actions) == now + 1_500_000_000 + 304_687_000


def test_keepalived_master_resets_master_adver_interval_to_its_own():
    r = backup(version=3)
    r.frame_received(S, advert(150, version=3, interval=50))
    advance(r, 10 * S)
    assert r.state == "MASTER" and r.master_adver_interval_cs == 100


def test_keepalived_two_address_owners_the_receiver_drops_to_254():
    r = router(priority=255)
    r.start(0)
    actions = r.frame_received(S, advert(255, src=PEER))
    assert r.state == "BACKUP" and r.effective_priority == 254
    assert any("CONFIGURATION ERROR" in t for t in texts(actions))


def test_rfc3768_6_4_3_shutdown_master_sends_prio0_and_removes_vips():
    r = master()
    actions = r.shutdown(5 * S)
    assert actions[0] == StateChanged("MASTER", "INIT", "shutdown")
    assert "(VI_1) sent 0 priority" in texts(actions, detail=True)
    assert of(actions, RemoveAddress) == [RemoveAddress("eth0", VIP)]
    assert [a.priority for a in adverts(actions)] == [0]
    assert actions[-1] == CancelTimer()
    assert r.state == "INIT" and r.next_deadline is None


def test_restart_after_shutdown_starts_over_in_backup():
    r = master()
    r.shutdown(5 * S)
    actions = r.start(6 * S)
    assert r.state == "BACKUP" and arm(actions) == 6 * S + 3_609_375_000


# ------------------------------------------------------------------- GARP (keepalived)


def test_keepalived_garp_second_burst_after_garp_master_delay():
    r = backup()
    t0 = 3_609_375_000
    first = r.timer_fired(t0)
    assert [a.kind for a in of(first, SendFrame)] == ["advert"] + ["garp"] * 5
    assert not r.steady
    actions = advance(r, t0 + 5 * S)
    second = [a for a in actions if isinstance(a, SendFrame) and a.kind == "garp"]
    assert len(second) == 5
    assert r.steady


def test_keepalived_no_second_garp_burst_once_no_longer_master():
    r = backup()
    r.timer_fired(3_609_375_000)
    actions = []
    for t in range(4, 11):  # a better master appears at 4 s and keeps advertising
        actions += advance(r, t * S)
        actions += r.frame_received(t * S, advert(200))
        assert r.state == "BACKUP"
    # The second burst was due at 3.609375 s + 5 s.
    assert [a for a in of(actions, SendFrame) if a.kind == "garp"] == []


def test_keepalived_garp_master_delay_0_means_one_burst():
    r = backup(garp_master_delay_ns=0, garp_master_repeat=1)
    first = r.timer_fired(3_609_375_000)
    assert [a.kind for a in of(first, SendFrame)] == ["advert", "garp"]
    assert r.steady


def test_keepalived_garp_master_refresh_rides_on_the_first_advert_after_it():
    r = backup(garp_master_refresh_ns=3 * S, garp_master_delay_ns=0)
    t0 = 3_609_375_000
    r.timer_fired(t0)
    garps_at = []
    for k in range(1, 8):
        actions = r.timer_fired(t0 + k * S)
        if any(a.kind == "garp" for a in of(actions, SendFrame)):
            garps_at.append(k)
    # keepalived compares "now > refresh time" when it sends an advert: 3 s after becoming
    # master is not yet past it, so the refresh goes with the advert at +4 s, then +8 s.
    assert garps_at == [4]


def test_keepalived_multiple_vips_garp_round_robin():
    r = backup(vips=("192.0.2.50/24", "192.0.2.51/24"), garp_master_repeat=2)
    actions = r.timer_fired(3_609_375_000)
    targets = [parse_frame(a.frame).payload.tpa for a in of(actions, SendFrame) if a.kind == "garp"]
    assert targets == ["192.0.2.50", "192.0.2.51", "192.0.2.50", "192.0.2.51"]


# ---------------------------------------------------------------------- link (keepalived FAULT)


def test_keepalived_link_down_master_goes_fault_with_prio0_advert():
    r = master()
    actions = r.link_changed(5 * S, False)
    assert actions[0] == StateChanged("MASTER", "FAULT", "interface down")
    assert texts(actions, detail=False) == [
        "Netlink reports eth0 down",
        "(VI_1) Entering FAULT STATE",
    ]
    assert of(actions, RemoveAddress) == [RemoveAddress("eth0", VIP)]
    assert [a.priority for a in adverts(actions)] == [0]
    assert actions[-1] == CancelTimer()


def test_keepalived_fault_sends_nothing_and_ignores_adverts():
    r = master()
    r.link_changed(5 * S, False)
    assert r.frame_received(6 * S, advert(0)) == []
    assert r.timer_fired(100 * S) == []
    assert r.next_deadline is None and r.state == "FAULT"


def test_keepalived_link_up_from_fault_enters_backup_with_a_normal_down_interval():
    r = master()
    r.link_changed(5 * S, False)
    actions = r.link_changed(8 * S, True)
    assert actions[0] == StateChanged("FAULT", "BACKUP", "interface up")
    assert texts(actions) == ["Netlink reports eth0 up", "(VI_1) Entering BACKUP STATE"]
    assert arm(actions) == 8 * S + 3_609_375_000


def test_keepalived_link_down_backup_goes_fault():
    r = backup()
    actions = r.link_changed(S, False)
    assert actions == [
        StateChanged("BACKUP", "FAULT", "interface down"),
        Log("Keepalived_vrrp", "Netlink reports eth0 down"),
        Log("Keepalived_vrrp", "(VI_1) Entering FAULT STATE"),
        CancelTimer(),
    ]


def test_keepalived_start_with_link_down_is_fault():
    r = router()
    r.link_changed(0, False)
    actions = r.start(S)
    assert r.state == "FAULT" and actions[0].new == "FAULT"
    r.link_changed(2 * S, True)
    assert r.state == "BACKUP"


def test_strict_rfc_link_down_is_a_shutdown_and_link_up_a_startup():
    r = master(strict_rfc=True)
    actions = r.link_changed(5 * S, False)
    assert actions[0] == StateChanged("MASTER", "INIT", "interface down")
    assert [a.priority for a in adverts(actions)] == [0]
    actions = r.link_changed(6 * S, True)
    assert actions[0] == StateChanged("INIT", "BACKUP", "startup")


# ------------------------------------------------------------------- run-time parameters


def test_keepalived_priority_change_recomputes_pending_down_timer():
    r = backup()
    actions = r.set_parameter(S, "priority", 150)
    assert texts(actions) == ["(VI_1) Changing effective priority from 100 to 150"]
    assert arm(actions) == 3_414_062_000
    assert r.effective_priority == 150
    actions = r.set_parameter(2 * S, "priority", 90)
    assert arm(actions) == 3_648_437_000  # 3 s + (256-90)/256 s, truncated to the us


def test_keepalived_priority_change_moves_a_skew_timer_by_the_skew_difference():
    r = backup()
    r.frame_received(S, advert(0))
    actions = r.set_parameter(S, "priority", 150)
    assert arm(actions) == S + 414_062_000


def test_keepalived_priority_is_clamped_to_254_and_owner_never_changes():
    r = backup()
    r.set_parameter(S, "priority", 255)
    assert r.effective_priority == 254
    owner = router(priority=255)
    owner.start(0)
    owner.set_parameter(S, "priority", 50)
    assert owner.effective_priority == 255


def test_set_parameter_priority_out_of_range_raises():
    with pytest.raises(ValueError, match="priority"):
        backup().set_parameter(S, "priority", 0)


def test_set_parameter_preempt_off_stops_preemption():
    r = backup(priority=150)
    r.set_parameter(S, "preempt", 0)
    assert arm(r.frame_received(2 * S, advert(90))) == 2 * S + 3_414_062_000


def test_set_parameter_advert_int_changes_the_master_interval():
    r = master()
    t = r.next_deadline
    r.set_parameter(t - 1, "advert_int", 200)
    actions = r.timer_fired(t)
    assert arm(actions) == t + 2 * S
    assert adverts(actions)[0].advert_int == 2


def test_set_parameter_unknown_name_is_logged_not_raised():
    actions = backup().set_parameter(S, "advskew", 10)
    assert len(actions) == 1 and "does not apply" in actions[0].text


def test_vrrp_has_no_forced_state():
    r = backup()
    actions = r.force_state(S, "MASTER")
    assert r.state == "BACKUP"
    assert len(actions) == 1 and "no administrative state change" in actions[0].text


# -------------------------------------------------------------------------- contract plumbing


def test_handle_dispatches_every_event():
    r = router()
    assert r.handle(Startup(0))[0].new == "BACKUP"
    assert r.handle(FrameReceived(S, advert(150))) == [ArmTimer(S + 3_609_375_000)]
    assert r.handle(SetParameter(S, "priority", 90))
    assert r.handle(ForceState(S, "MASTER"))
    assert r.handle(TimerFired(10 * S))[0].new == "MASTER"
    assert r.handle(LinkChanged(11 * S, False))[0].new == "FAULT"
    assert r.handle(Shutdown(12 * S))[0].new == "INIT"
    with pytest.raises(TypeError):
        r.handle(object())


def test_timer_rule_arm_only_when_the_earliest_deadline_changes():
    r = master()
    deadline = r.next_deadline
    assert r.frame_received(deadline - 1, advert(90, vrid=52)) == []  # other VRID: nothing at all
    assert of(r.timer_fired(deadline), ArmTimer) == [ArmTimer(deadline + S)]


def test_timer_fired_late_runs_every_due_timer_in_order():
    r = backup()
    t0 = 3_609_375_000
    actions = r.timer_fired(t0 + 5 * S + 1)  # very late: the down timer, then no catch-up storm
    assert r.state == "MASTER"
    assert arm(actions) == t0 + 5 * S + 1 + S
