"""Hidden checks of lab 4: the student's trace is simulated again from their parameters (the
same function their notebook's load_trace() calls) and their diagnosis compared with it."""

from simlab.lab.grading.api import Answers, Result, check
from simlab.lab.grading.sims import FAULT_SCENARIOS, fault_run

FAULTS = tuple(FAULT_SCENARIOS)
FIXES = {
    "lost-garp": "garp",
    "no-nonlocal-bind": "nonlocal-bind",
    "split-brain": "sync-link",
}
WHY = {
    "lost-garp": "server-2 became MASTER and answers, but the clients kept the old MAC: its "
    "gratuitous ARPs never arrived (no 'MAC moved' on the switch, pings back only when the "
    "ARP entries expire)",
    "no-nonlocal-bind": "ping answers after the failover but the web service does not: "
    "server-2's http could not bind 192.0.2.50 ('Cannot assign requested address') because "
    "net.ipv4.ip_nonlocal_bind is 0",
    "split-brain": "both servers are MASTER at once: the adverts on the dedicated eth1 link "
    "stopped while its carrier stayed up",
}


def _run(p: dict):
    return fault_run(p["fault"], float(p["shift"]), int(p["seed"]))


@check("fault")
def check_fault(answers: Answers, p: dict) -> Result:
    got = answers.choice("fault", FAULTS)
    if got == p["fault"]:
        return Result(1.0, f"{got} is right: {WHY[got]}.")
    return Result(
        0.0,
        f"{got} is not what this trace shows; look again at who is MASTER when, "
        "and which clients (ping, http) lose the service",
    )


@check("takeover_time")
def check_takeover(answers: Answers, p: dict) -> Result:
    got = answers.number("takeover_time")
    times = _run(p).became_master("server-2")
    if not times:
        return Result(0.0, "server-2 never became MASTER in your trace (this is a bug in the lab)")
    want = times[0]
    if abs(got - want) <= 0.05:
        return Result(1.0, f"{got:g} s is right: server-2 entered MASTER at {want:.3f} s.")
    if abs(got - want) <= 1.0:
        return Result(
            0.5,
            f"{got:g} s is near but not it: server-2 entered MASTER at "
            f"{want:.3f} s (the Transitions section of the trace).",
        )
    return Result(
        0.0,
        f"got {got:g} s; server-2 entered MASTER at {want:.3f} s "
        "(the Transitions section of the trace)",
    )


@check("fix")
def check_fix(answers: Answers, p: dict) -> Result:
    got = answers.choice("fix", tuple(sorted(set(FIXES.values()))))
    want = FIXES[p["fault"]]
    if got == want:
        return Result(1.0, f"{got} fixes this failure ({WHY[p['fault']]}).")
    return Result(0.0, f"{got} does not fix this failure; it needs {want} ({WHY[p['fault']]}).")
