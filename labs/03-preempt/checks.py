"""Hidden checks of lab 3: the student's configs in the lab pair, simulated through the
preferred node's power loss and return; who is master at the end must follow the policy
(failback: the preferred node takes the service IP back; stay: it does not)."""

from simlab.lab.grading.api import Answers, Result, check
from simlab.lab.grading.sims import (
    FragmentError,
    host_files,
    instance_id,
    pair_scenario,
    simulate,
)

ELECTED_BY = 25.0
POWER_OFF, POWER_ON = 30.0, 40.0
END = 100.0  # boots take 20 s (Linux) / 30 s (FreeBSD); preemption is over well before


def _other(node: str) -> str:
    return "server-2" if node == "server-1" else "server-1"


def _story(answers: Answers, p: dict):
    try:
        files = host_files(p["protocol"], answers.mapping("config"))
        events = [
            {"at": POWER_OFF, "action": "power-off", "host": p["preferred"]},
            {"at": POWER_ON, "action": "power-on", "host": p["preferred"]},
        ]
        return simulate(pair_scenario(p["protocol"], files, events=events, until=END), seed=3)
    except FragmentError as exc:
        raise ValueError(f"your configuration does not build: {exc}") from None


def expected_master(p: dict) -> str:
    return p["preferred"] if p["policy"] == "failback" else _other(p["preferred"])


@check("preferred_master")
def check_preferred(answers: Answers, p: dict) -> Result:
    masters = _story(answers, p).masters_at(ELECTED_BY)
    files = host_files(p["protocol"], answers.mapping("config"))
    ids = sorted({instance_id(p["protocol"], f) for f in files.values()})
    word = "virtual_router_id" if p["protocol"] == "keepalived" else "vhid"
    if masters == [p["preferred"]] and ids == [p["vrid"]]:
        return Result(1.0, f"{p['preferred']} is the only master after start-up.")
    if masters == [p["preferred"]]:
        return Result(
            0.5, f"{p['preferred']} is master, but with {word} {ids}: yours is {p['vrid']}."
        )
    if len(masters) > 1:
        return Result(0.0, "both nodes are MASTER after start-up (split brain).")
    return Result(
        0.0,
        f"master after start-up: {masters or 'nobody'}, expected "
        f"{p['preferred']} (higher priority / lower advskew).",
    )


@check("policy")
def check_policy(answers: Answers, p: dict) -> Result:
    run = _story(answers, p)
    want = expected_master(p)
    final = run.masters_at(END - 0.1)
    rule = (
        "failback: the preferred node takes the service IP back when it returns (preemption on)"
        if p["policy"] == "failback"
        else "stay: the node that took over keeps the service IP (no preemption)"
    )
    if final == [want]:
        return Result(1.0, f"{want} is master at the end, as the policy says ({rule}).")
    return Result(
        0.0,
        f"master at the end: {final or 'nobody'}, expected {want} ({rule}). "
        + ("keepalived: nopreempt needs state BACKUP; CARP: net.inet.carp.preempt."),
    )


@check("moves")
def check_moves(answers: Answers, p: dict) -> Result:
    got = answers.number("moves")
    want = 2 if p["policy"] == "failback" else 1
    why = (
        "it moves to the backup at the power loss, and back when the preferred node returns"
        if want == 2
        else "it moves to the backup at the power loss and stays"
    )
    if got == want:
        return Result(1.0, f"{want} move(s) is right: {why}.")
    return Result(0.0, f"got {got:g} move(s), expected {want}: {why}.")
