"""Each configuration in its own worker process, after optimum-benchmark's process launcher.

A *zygote* (a fresh interpreter that has imported torch, transformers and the model classes a
run needs, and never runs a model) forks one worker per job. The worker sends its progress
("phase") and its answer back through a pipe and exits; the zygote reports how it ended. So:

- every worker starts from the same state, whatever ran before it: memory readings do not
  depend on run order, and the per-job cost is a fork, not an import;
- a worker that dies (a signal, the kernel's out-of-memory killer, a C-level crash) is described,
  not lost, and one that hangs inside a single forward pass is killed at its deadline.

Why not fork the calling process: torch's CPU kernels run on GNU OpenMP, whose thread pool does
not survive fork(). Once a process has run one parallel region, its forked children deadlock in
their first one (torch 2.13: a 500 x 500 matmul in the child never returns). `benchdb run` never
runs a model in its own process, but a Python caller (the compat API, a notebook, pytest, the
roofline estimator) may have; the zygote never does, so its forks are always safe.

Where a worker cannot be forked (not Linux, or BENCHDB_ISOLATION=in_process), jobs run in the
calling process and the rows say `isolation = 'in_process'`.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import itertools
import os
import pickle
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection

ISOLATION_ENV = "BENCHDB_ISOLATION"
FORKED = "forked_worker"
IN_PROCESS = "in_process"
_MAX_MESSAGE = 1 << 20
# how long a worker that answered may take to exit before it is killed
_EXIT_WAIT_SECONDS = 30.0
# always imported by the zygote: what every worker needs
BASE_PRELOAD = ("torch", "transformers", "runners.worker")

# job(report, *args) -> a picklable answer; report(phase) tells the parent how far it got
Job = Callable[..., object]


@dataclass
class JobOutcome:
    """How a job ended. `answered` with `value`, or not, and then why not."""

    isolation: str
    value: object = None
    answered: bool = False
    error: str | None = None  # the traceback when the job itself raised
    phase: str | None = None  # the last phase the worker reported
    pid: int | None = None
    returncode: int | None = None  # negative: killed by that signal
    killed_at_deadline: bool = False
    oom_kills: tuple[int, int] | None = None  # /proc/vmstat oom_kill before and after

    @property
    def oom_killed(self) -> bool:
        return (
            self.returncode == -signal.SIGKILL
            and not self.killed_at_deadline
            and self.oom_kills is not None
            and self.oom_kills[1] > self.oom_kills[0]
        )

    def describe_end(self) -> str:
        """How a worker that gave no answer ended, in words."""
        if self.returncode is None:
            return "ended without an exit status"
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = f"signal {-self.returncode}"
            return f"was killed by {name}"
        return f"exited with status {self.returncode}"


class LauncherLost(RuntimeError):
    """The zygote died: the job could not be run or its end could not be learned."""


def oom_kill_count() -> int | None:
    """The kernel's count of out-of-memory kills (/proc/vmstat oom_kill, Linux >= 4.13)."""
    try:
        with open("/proc/vmstat", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def isolation_mode() -> tuple[str, str | None]:
    """(FORKED or IN_PROCESS, why in-process when it is)."""
    if os.environ.get(ISOLATION_ENV, "").strip().lower() == IN_PROCESS:
        return IN_PROCESS, f"{ISOLATION_ENV}=in_process"
    if not sys.platform.startswith("linux"):
        return IN_PROCESS, f"forked workers are used on Linux only (this is {sys.platform})"
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        return IN_PROCESS, "this Python cannot fork or pass file descriptors"
    return FORKED, None


def run_in_process(
    job: Job, args: tuple, on_phase: Callable[[str], None] | None = None
) -> JobOutcome:
    """The fallback: run the job here. KeyboardInterrupt goes through to the caller."""
    outcome = JobOutcome(IN_PROCESS)

    def report(phase: str) -> None:
        outcome.phase = phase
        if on_phase:
            on_phase(phase)

    try:
        outcome.value = job(report, *args)
        outcome.answered = True
    except Exception:
        outcome.error = traceback.format_exc()
    return outcome


# --------------------------------------------------------------------------- the parent side


def _absolute_sys_path() -> list[str]:
    return [os.path.abspath(p) if p else os.getcwd() for p in sys.path]


class Zygote:
    """The parent's handle on its zygote process."""

    def __init__(self) -> None:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        code = (
            f"import sys; sys.path[:0] = {_absolute_sys_path()!r}; "
            f"from runners.isolation import zygote_main; zygote_main({child_end.fileno()})"
        )
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=[child_end.fileno()],
                stdin=subprocess.DEVNULL,
            )
        finally:
            child_end.close()
        self.sock = parent_end
        self.owner_pid = os.getpid()
        self.preloaded: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def alive(self) -> bool:
        return self.owner_pid == os.getpid() and self.process.poll() is None

    def close(self) -> None:
        if self.owner_pid != os.getpid():
            return
        try:
            self.sock.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()

    # -- messages
    def _send(self, message: tuple, fds: Iterable[int] = ()) -> None:
        try:
            socket.send_fds(self.sock, [pickle.dumps(message)], list(fds))
        except OSError as exc:
            raise LauncherLost(f"the worker launcher is gone ({exc})") from None

    def _receive(self, timeout: float | None) -> tuple | None:
        """The zygote's next message; None on timeout."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return None
        try:
            data = self.sock.recv(_MAX_MESSAGE)
        except OSError as exc:
            raise LauncherLost(f"the worker launcher is gone ({exc})") from None
        if not data:
            code = self.process.poll()
            raise LauncherLost(f"the worker launcher exited (status {code})")
        return pickle.loads(data)

    def _wait_for(self, kind: str, key: object, timeout: float | None = None) -> tuple | None:
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = None if end is None else max(end - time.monotonic(), 0.0)
            message = self._receive(remaining)
            if message is None:
                return None
            if message[0] == kind and message[1] == key:
                return message
            # anything else is an answer to a request that was given up on: drop it

    def preload(self, names: Iterable[str], wait: bool = True) -> dict[str, str]:
        """Import `names` ("module" or "module:attribute") in the zygote; returns the errors.
        With wait=False the request is queued and the caller carries on (the next job waits
        behind it)."""
        wanted = [n for n in dict.fromkeys(names) if n not in self.preloaded]
        if not wanted:
            return {}
        request = next(self._ids)
        self._send(("preload", request, wanted))
        self.preloaded.update(wanted)
        if not wait:
            return {}
        _, _, errors = self._wait_for("preloaded", request)
        return errors

    def run(
        self,
        job: Job,
        args: tuple,
        deadline: float | None,
        on_phase: Callable[[str], None] | None = None,
    ) -> JobOutcome:
        """Run `job(report, *args)` in a fresh worker; kill it at `deadline` (perf_counter).
        `on_phase` hears every phase the worker reports, as it arrives."""
        with self._lock:
            return self._run(job, args, deadline, on_phase)

    def _run(
        self, job: Job, args: tuple, deadline: float | None, on_phase: Callable[[str], None] | None
    ) -> JobOutcome:
        outcome = JobOutcome(FORKED)
        job_id = next(self._ids)
        payload = pickle.dumps((job, args))
        read_fd, write_fd = os.pipe()
        conn = Connection(read_fd, writable=False)
        before = oom_kill_count()
        try:
            try:
                self._send(("job", job_id, payload), [write_fd])
            finally:
                os.close(write_fd)
            started = self._wait_for("started", job_id)
            if started[2] is None:
                raise LauncherLost(f"the worker launcher could not fork: {started[3]}")
            outcome.pid = started[2]
            self._follow(conn, outcome, deadline, on_phase)
            ended = self._wait_for("exited", job_id, _EXIT_WAIT_SECONDS)
            if ended is None:
                self._kill(outcome.pid)
                ended = self._wait_for("exited", job_id)
            outcome.returncode = ended[3]
        except BaseException:
            # Ctrl-C or a lost launcher: never leave a worker behind
            if outcome.pid is not None and outcome.returncode is None:
                self._kill(outcome.pid)
                with contextlib.suppress(LauncherLost):
                    self._wait_for("exited", job_id, _EXIT_WAIT_SECONDS)
            raise
        finally:
            conn.close()
        after = oom_kill_count()
        if before is not None and after is not None:
            outcome.oom_kills = (before, after)
        return outcome

    def _follow(
        self,
        conn: Connection,
        outcome: JobOutcome,
        deadline: float | None,
        on_phase: Callable[[str], None] | None,
    ) -> None:
        """Read the worker's messages until it closes its end; kill it past the deadline."""
        while True:
            timeout = None if deadline is None else deadline - time.perf_counter()
            if timeout is not None and timeout <= 0:
                self._kill(outcome.pid)
                outcome.killed_at_deadline = True
                return
            if not conn.poll(timeout):
                continue
            try:
                kind, body = conn.recv()
            except (EOFError, OSError):
                return
            if kind == "phase":
                outcome.phase = body
                if on_phase:
                    on_phase(body)
            elif kind == "result":
                outcome.value = body
                outcome.answered = True
            elif kind == "error":
                outcome.error = body

    @staticmethod
    def _kill(pid: int | None) -> None:
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


_ZYGOTE: Zygote | None = None
_ZYGOTE_LOCK = threading.Lock()


def zygote(preload: Iterable[str] = (), wait: bool = True) -> Zygote:
    """This process's zygote (started, or restarted when it died) with `preload` imported.
    wait=False returns at once while the zygote imports (torch takes seconds)."""
    global _ZYGOTE
    with _ZYGOTE_LOCK:
        if _ZYGOTE is None or not _ZYGOTE.alive():
            _ZYGOTE = Zygote()
        current = _ZYGOTE
    current.preload([*BASE_PRELOAD, *preload], wait=wait)
    return current


def _close_zygote() -> None:
    if _ZYGOTE is not None:
        _ZYGOTE.close()


atexit.register(_close_zygote)


# --------------------------------------------------------------------------- the zygote side


def _import(name: str) -> None:
    module_name, _, attribute = name.partition(":")
    module = __import__(module_name, fromlist=["_"])
    if attribute:
        getattr(module, attribute)


def _preload(names: list[str]) -> dict[str, str]:
    errors = {}
    for name in names:
        try:
            _import(name)
        except Exception as exc:  # the worker imports it again and fails with its own row
            errors[name] = f"{type(exc).__name__}: {exc}"
    try:
        from runners.environment import host_facts

        host_facts()  # read once here, inherited by every worker
    except Exception as exc:
        errors["runners.environment.host_facts"] = f"{type(exc).__name__}: {exc}"
    # hundreds of thousands of objects torch and transformers leave behind: out of the
    # collector's sight, so a worker's collection (before it times) scans only its own objects
    # and does not touch, hence copy, the inherited pages
    gc.collect()
    gc.freeze()
    return errors


def _die_with_parent() -> None:
    """Ask the kernel to kill this worker when the zygote goes (PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _worker_main(payload: bytes, write_fd: int, inherited: list) -> None:
    code = 1
    try:
        for item in inherited:
            item.close() if hasattr(item, "close") else os.close(item)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        # Ctrl-C reaches the whole process group: the parent decides, the worker carries on
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _die_with_parent()
        conn = Connection(write_fd, readable=False)
        try:
            job, args = pickle.loads(payload)

            def report(phase: str) -> None:
                conn.send(("phase", phase))

            try:
                conn.send(("result", job(report, *args)))
            except BaseException:
                conn.send(("error", traceback.format_exc()))
        finally:
            conn.close()
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def zygote_main(fd: int) -> None:
    """The zygote's loop: import what it is asked to, fork a worker per job, report exits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=fd)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, object] = {}

    def reap() -> None:
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            job_id = children.pop(pid, None)
            if job_id is not None:
                sock.send(pickle.dumps(("exited", job_id, pid, os.waitstatus_to_exitcode(status))))

    try:
        while True:
            try:
                ready, _, _ = select.select([sock, wake_r], [], [])
            except InterruptedError:
                continue
            if wake_r in ready:
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
                reap()
            if sock not in ready:
                continue
            data, fds, _, _ = socket.recv_fds(sock, _MAX_MESSAGE, 4)
            if not data:
                break  # the parent is gone
            message = pickle.loads(data)
            if message[0] == "preload":
                sock.send(pickle.dumps(("preloaded", message[1], _preload(message[2]))))
            elif message[0] == "job":
                _, job_id, payload = message
                try:
                    pid = os.fork()
                except OSError as exc:
                    for extra in fds:
                        os.close(extra)
                    sock.send(pickle.dumps(("started", job_id, None, str(exc))))
                    continue
                if pid == 0:
                    _worker_main(payload, fds[0], [sock, wake_r, wake_w, *fds[1:]])
                for extra in fds:
                    os.close(extra)
                children[pid] = job_id
                sock.send(pickle.dumps(("started", job_id, pid, None)))
                reap()
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        os._exit(0)
