"""Hidden checks of lab 2: the student's two config files are put into the lab pair (the
built-in keepalived-reboot / carp-reboot network) and simulated; the failover prediction is
compared with simlab.core.timing's master down interval of *their* backup and with the client
outages of simulated power losses at seeded random phases."""

from simlab.lab.grading.api import Answers, Result, check
from simlab.lab.grading.sims import (
    FragmentError,
    advert_interval,
    backup_down_interval,
    host_files,
    instance_id,
    pair_scenario,
    simulate,
)
from simlab.lab.grading.spec import draw

ELECTED_BY = 25.0  # seconds: every timer of the lab has expired by then
POWER_OFF = 30.0
PHASES = 3  # simulated power losses per student, each at its own seeded phase


def _other(node: str) -> str:
    return "server-2" if node == "server-1" else "server-1"


def _config(answers: Answers, p: dict) -> dict:
    try:
        return host_files(p["protocol"], answers.mapping("config"))
    except FragmentError as exc:
        raise ValueError(f"config: {exc}") from None


@check("master")
def check_master(answers: Answers, p: dict) -> Result:
    files = _config(answers, p)
    try:
        run = simulate(pair_scenario(p["protocol"], files, events=[], until=ELECTED_BY + 1), seed=1)
    except FragmentError as exc:
        return Result(0.0, f"your configuration does not build: {exc}")
    masters = run.masters_at(ELECTED_BY)
    out = [o for o in run.outages() if o.start > 10e9]
    if masters == [p["master"]] and not out:
        return Result(1.0, f"{p['master']} is the only master and the client is answered.")
    if masters == [p["master"]]:
        return Result(
            0.5,
            f"{p['master']} is master but the client still loses pings at "
            f"{out[0].start / 1e9:.1f} s: check the service IP 192.0.2.50.",
        )
    if len(masters) > 1:
        return Result(
            0.0,
            "both nodes are MASTER (split brain): give them the same virtual "
            "router id / vhid and password, and different priorities / advskews.",
        )
    if not masters:
        return Result(
            0.0,
            "nobody became MASTER: is the instance on the client-facing "
            "interface, with the service IP 192.0.2.50?",
        )
    return Result(
        0.0,
        f"{masters[0]} became master, expected {p['master']}: the master needs "
        "the higher priority (keepalived) or the lower advskew (CARP).",
    )


@check("timers")
def check_timers(answers: Answers, p: dict) -> Result:
    files = _config(answers, p)
    proto = p["protocol"]
    got = {h: (instance_id(proto, f), advert_interval(proto, f)) for h, f in files.items()}
    right = [h for h, v in got.items() if v == (p["vrid"], p["advert"])]
    word = ("virtual_router_id", "advert_int") if proto == "keepalived" else ("vhid", "advbase")
    if len(right) == 2:
        return Result(1.0, f"both nodes use {word[0]} {p['vrid']} and {word[1]} {p['advert']} (s).")
    return Result(
        len(right) / 2,
        f"expected {word[0]} {p['vrid']} and {word[1]} {p['advert']} on both nodes, got "
        + ", ".join(f"{h}: {v[0]} and {v[1]:g} s" for h, v in sorted(got.items()))
        + ".",
    )


@check("failover")
def check_failover(answers: Answers, p: dict) -> Result:
    predicted = answers.number("predicted_outage_s")
    files = _config(answers, p)
    master, backup = p["master"], _other(p["master"])
    down = backup_down_interval(p["protocol"], files[backup])
    outages = []
    for k in range(PHASES):
        seed = 1 + draw({"int": [0, 10**6]}, "lab02-phase", str(sorted(p.items())), str(k))
        events = [{"at": POWER_OFF, "action": "power-off", "host": master}]
        try:
            run = simulate(
                pair_scenario(p["protocol"], files, events=events, until=POWER_OFF + down + 8),
                seed=seed,
            )
        except FragmentError as exc:
            return Result(0.0, f"your configuration does not build: {exc}")
        if run.masters_at(POWER_OFF - 1) != [master]:
            return Result(
                0.0,
                f"{master} must be the only master before its power loss; "
                "fix the election first (see the master check).",
            )
        gaps = [o.duration / 1e9 for o in run.outages() if o.start >= POWER_OFF * 1e9 - 2e9]
        outages.append(max(gaps, default=0.0))
    lo, hi = min(outages), max(outages)
    sims = ", ".join(f"{x:.2f}" for x in outages)
    why = (
        f"{backup} takes over when its master down interval of {down:.3f} s has passed "
        f"since the last advert it heard; simulated power losses cost the client {sims} s"
    )
    if abs(predicted - down) <= 0.25 and hi <= predicted + 0.3:
        return Result(1.0, f"predicted {predicted:g} s is right: {why}.")
    if lo - 0.3 <= predicted <= hi + 0.3:
        return Result(
            0.5,
            f"predicted {predicted:g} s is a possible outage but not the worst "
            f"case ({down:.3f} s): {why}.",
        )
    return Result(0.0, f"predicted {predicted:g} s, expected {down:.3f} s: {why}.")
