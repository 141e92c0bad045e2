"""Hide the grader's files from a student's notebook: Linux namespaces, when available.

A notebook run by the grader is the grader user's process, so without more it could read the
lab's checks.py, other students' submissions and the temporary directories of notebooks
running beside it. Where unprivileged user namespaces work (most Linux systems; ``unshare``
and ``setpriv`` from util-linux), :func:`wrap` runs the runner inside new user, mount and
network namespaces:

* an empty tmpfs is mounted over the system temporary directory (every other grading
  directory), the lab's directory and the submissions directory; the student's own working
  directory is bind-mounted back at its path;
* there is no network: only the loopback interface (up when ``ip`` is there, for a Jupyter
  kernel's connection);
* all capabilities are dropped before the notebook runs (``setpriv --bounding-set=-all``), so
  the student's code cannot undo those mounts, and ``no_new_privs`` is set.

Nothing leaves the namespace but the working directory's files, which the grader reads as
data. :func:`available` probes the whole recipe once on a scratch directory; the grader falls
back to running without it (and says so) where it does not work.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

#: parks the working directory while the temporary directory is covered (exists on Linux)
PARKING = "/mnt"

SCRIPT = r"""
set -e
work="$1"; shift
mount --make-rprivate /
# loopback only (a Jupyter kernel talks to its client over it); no route anywhere else
if command -v ip >/dev/null; then ip link set lo up; fi
mount --rbind "$work" "$PARKING"
while [ "$1" != "--" ]; do
    mount -t tmpfs -o size=64m,mode=0755 simlab-hidden "$1"
    shift
done
shift
mkdir -p "$work"
mount --rbind "$PARKING" "$work"
umount -l "$PARKING"
cd "$work"
exec "$SETPRIV" --bounding-set=-all --inh-caps=-all --no-new-privs -- "$@"
"""


def _tools() -> tuple[str, str] | None:
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if not sys.platform.startswith("linux") or not unshare or not setpriv:
        return None
    if not Path(PARKING).is_dir():
        return None
    return unshare, setpriv


def _protected() -> list[Path]:
    """What the runner needs: the interpreter, its packages, simlab itself."""
    import simlab

    return [
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(sys.executable).resolve().parent,
        Path(simlab.__file__).resolve().parent,
    ]


def hidden_dirs(extra: list[Path]) -> list[Path]:
    """The directories to cover: the system temporary directory (every grading directory is in
    it) and ``extra``, minus any the runner needs and any already covered by another."""
    candidates = [Path(tempfile.gettempdir()).resolve()]
    candidates += [p.resolve() for p in extra if p.exists()]
    keep = _protected()
    out: list[Path] = []
    for d in sorted(set(candidates), key=lambda p: (len(p.parts), str(p))):
        if d == Path("/") or any(k == d or d in k.parents for k in keep):
            continue  # hiding it would hide the interpreter or simlab
        if any(o == d or o in d.parents for o in out):
            continue
        out.append(d)
    return out


def wrap(cmd: list[str], work: Path, extra: list[Path]) -> list[str]:
    """``cmd`` run inside the namespaces, with ``work`` visible and the rest hidden."""
    tools = _tools()
    if tools is None:
        raise RuntimeError("unshare/setpriv not available")
    unshare, setpriv = tools
    hidden = [str(d) for d in hidden_dirs(extra)]
    script = SCRIPT.replace("$PARKING", PARKING).replace("$SETPRIV", setpriv)
    return [
        unshare,
        "--user",
        "--map-root-user",
        "--net",
        "--mount",
        "--",
        "/bin/sh",
        "-c",
        script,
        "simlab-isolate",
        str(work),
        *hidden,
        "--",
        *cmd,
    ]


@cache
def available() -> bool:
    """Whether :func:`wrap` works here (probed once: the recipe on a scratch directory)."""
    if _tools() is None:
        return False
    base = Path(tempfile.mkdtemp(prefix="simlab-grade-probe-"))
    try:
        work = base / "work"
        work.mkdir()
        cmd = wrap(["/bin/sh", "-c", "echo ok > probe"], work, [])
        proc = subprocess.run(cmd, cwd=work, capture_output=True, timeout=20, check=False)
        return proc.returncode == 0 and (work / "probe").read_text().strip() == "ok"
    except (OSError, subprocess.SubprocessError, RuntimeError):
        return False
    finally:
        shutil.rmtree(base, ignore_errors=True)
