"""The teaching notebooks run top to bottom, headless, and teach the numbers they claim.

Each notebook in ``notebooks/`` is executed with nbclient on the ``python3`` kernel (jupyter_client
starts it with this interpreter, so the venv's simlab is the one imported; a test checks that),
must finish without an error output, and the few numbers its text relies on are read back from
what it printed: the 5,256 minutes of 1 %, the ~3 s CARP outage after a reboot, who is master
after preemption, which fix saves most. The committed files must carry no outputs
(``tests/notebooks/nbclean.py`` strips them).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
#: the series, in the order the README and the issue give
SERIES = [
    "01-availability.ipynb",
    "02-service-ip.ipynb",
    "03-keepalived-linux.ipynb",
    "04-carp-freebsd.ipynb",
    "05-forcing-primary.ipynb",
    "06-when-things-go-wrong.ipynb",
    "07-designer.ipynb",
]

_spec = importlib.util.spec_from_file_location("nbclean", Path(__file__).with_name("nbclean.py"))
assert _spec and _spec.loader
nbclean = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbclean)


def execute(nb: nbformat.NotebookNode, timeout: int = 120) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in a fresh python3 kernel whose working directory is notebooks/."""
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()
    return nb


def printed(nb: nbformat.NotebookNode) -> str:
    """Everything the code cells printed or returned as text, in order."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif out.output_type in ("execute_result", "display_data"):
                parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text, re.M)
    assert match, f"{pattern!r} not found in the notebook's output:\n{text[:3000]}"
    return float(match.group(1).replace(",", ""))


# --- what each notebook must show (read from its own output) ----------------------------------
def check_01(text: str) -> None:
    assert number(r"a year: ([\d,]+) minutes", text) == 525_600
    assert number(r"1 % of it: ([\d,]+) minutes", text) == 5_256
    assert number(r"= ([\d.]+) days", text) == pytest.approx(3.65)
    four = re.search(r"^\s*4\s+99\.990%\s+([\d.,]+) min", text, re.M)
    assert four and float(four.group(1)) == pytest.approx(52.56)


def check_02(text: str) -> None:
    one = number(r"one server: the client lost the service for ([\d.]+) s", text)
    two = number(r"two servers: the client lost the service for ([\d.]+) s", text)
    assert one >= 60, "the lone server's outage lasts the whole repair"
    assert 2.5 < two < 5, "keepalived's master down interval is about 3.6 s"
    assert two < one / 10


def check_03(text: str) -> None:
    assert "net.ipv4.ip_nonlocal_bind = 1" in text
    assert re.search(r"^dummy$", text, re.M), "dummy listed in /etc/modules"
    assert "Entering MASTER STATE" in text
    assert "0% packet loss" in text, "keepalived's priority-0 goodbye: a reboot loses no ping"
    ping = number(r"client ping -> 192\.0\.2\.50: outage from [\d.]+ s, ([\d.]+) s", text)
    assert 2.5 < ping < 5, "a power loss costs the master down interval"
    assert re.search(r"remote HTTP -> 192\.0\.2\.50: outage from [\d.]+ s, still down", text)


def check_04(text: str) -> None:
    assert "carp: MASTER vhid 1 advbase 1 advskew 0" in text
    assert "carp: BACKUP vhid 1 advbase 1 advskew 100" in text
    outage = number(r"The client lost the service IP for ([\d.]+) s", text)
    assert 2 <= outage <= 4, "the article measured about 3 s"
    low = number(r"^between ([\d.]+) and [\d.]+ s", text)
    high = number(r"^between [\d.]+ and ([\d.]+) s", text)
    assert 2 <= low < high <= 4, "the phase of the failure moves the outage within ~1 s"
    assert "packet loss" in text, "the client's ping statistics"
    assert "BACKUP -> MASTER (master timed out)" in text
    assert "MASTER -> INIT (hardware interface down)" in text


def check_05(text: str) -> None:
    back = re.search(r"(server-\d) is back; states: (\{.*\})", text)
    assert back, text[:2000]
    first, states = back.group(1), back.group(2)
    assert f"'{first}': 'BACKUP'" in states, "without preempt the returning node stays BACKUP"
    assert f"master: {first}" in text, "with preempt the preferred node takes over"
    assert "preempting a slower master" in text
    assert "MASTER -> BACKUP (user requested via ifconfig)" in text
    undone = re.escape("BACKUP -> MASTER (user requested via ifconfig)\n") + (
        r"\S+ \d+ [\d:]+ server-2 kernel: carp: 1@em0: MASTER -> BACKUP "
        r"\(more frequent advertisement received\)"
    )
    assert re.search(undone, text), "state master on the less preferred node is undone"
    assert "demoted by 240 to 240 (sysctl)" in text
    assert number(r"^\s+1\s+100\s+([\d.]+) s", text) == pytest.approx(1.390625)


def check_06(text: str) -> None:
    assert "keepalived-split-brain" in text and "carp-switch-failure" in text
    switch = re.search(r"carp-switch-failure\n(.*?)\n\S", text, re.S)
    assert switch and "outage" in switch.group(1)


def check_07(text: str) -> None:
    single = number(r"one server \(MTBF 5000 h, MTTR 4 h\):\s+([\d.]+) min/yr", text)
    pair = number(r"a pair with [\d.]+ s failovers: .* = ([\d.]+) min/yr", text)
    assert pair < single / 100, "redundancy turns hours a year into well under a minute"
    built = number(r"^CARP pair, as built\s+([\d.]+)", text)
    slow = number(r"^repairs take 24 h\s+([\d.]+)", text)
    no_switch = number(r"^a switch that never fails\s+([\d.]+)", text)
    assert no_switch < built / 10 < slow / 10, "the lone switch dominates; slow repairs cost"
    for mttr in (1, 4, 24):
        with_switch = number(rf"^MTTR\s+{mttr} h, switch MTBF\s+50000 h:\s+([\d.]+)", text)
        no_switch = number(rf"^MTTR\s+{mttr} h, switch MTBF\s+inf h:\s+([\d.]+)", text)
        assert no_switch < with_switch
    first = re.search(r"^(\S.*?)\s+saves\s+([\d.]+) min/yr", text, re.M)
    assert first and first.group(1) == "redundant switch", "fix the single switch first"
    saved = [float(m) for m in re.findall(r"saves\s+(-?[\d.]+) min/yr", text)]
    assert saved == sorted(saved, reverse=True)


CHECKS = {name: globals()[f"check_{name[:2]}"] for name in SERIES}


# --- the tests ---------------------------------------------------------------------------------
def test_the_series_is_complete_and_in_order() -> None:
    found = sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb"))
    assert found == SERIES


@pytest.mark.parametrize("name", SERIES)
def test_committed_notebook_is_valid_and_clean(name: str) -> None:
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec.name == "python3"
    assert nbclean.problems(nb) == [], "strip it: python tests/notebooks/nbclean.py " + name
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_nbclean_strips_what_it_reports() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("print(1)"))
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells[0].execution_count = 3
    nb.metadata["widgets"] = {"state": {}}
    assert len(nbclean.problems(nb)) == 3
    assert nbclean.problems(nbclean.strip(nb)) == []


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_the_kernel_is_this_interpreter() -> None:
    """The python3 kernel must import the simlab this test suite tests (the venv's)."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(
        nbformat.v4.new_code_cell("import sys, simlab; print(sys.prefix); print(simlab.__file__)")
    )
    lines = printed(execute(nb, timeout=30)).split()
    assert lines[0] == sys.prefix
    assert Path(lines[1]).resolve().is_relative_to(ROOT)


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("name", SERIES)
def test_notebook_runs_headless_and_teaches_its_numbers(name: str) -> None:
    nb = execute(nbformat.read(NOTEBOOK_DIR / name, as_version=4))
    errors = [
        out
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.output_type == "error" or (out.output_type == "stream" and out.name == "stderr")
    ]
    assert not errors, errors
    CHECKS[name](printed(nb))
