"""Production mode's supervisor: starts its child processes, and stops them all when it is told to
stop (SIGTERM, SIGINT) or when one of them ends by itself (then it exits 1, so the machine's service
manager restarts the whole set rather than leave it half-running)."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None


def _die_with_parent() -> None:
    """In the child before it runs (Linux): SIGTERM it when the supervisor dies, even by SIGKILL,
    so no web worker or scheduler outlives it unwatched."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def supervise(children: list[Child], env: dict[str, str], say: Callable[[str], None], grace: float = 30.0) -> int:
    """Run the children until a stop signal (exit status 0) or until one ends by itself (1). Each
    child gets SIGTERM, and SIGKILL if it has not ended `grace` seconds later. The children run in
    sessions of their own: a Ctrl+C in the terminal reaches the supervisor only, which stops them."""
    stop = threading.Event()
    received: list[int] = []

    def on_signal(number: int, _frame) -> None:
        received.append(number)
        stop.set()

    previous = {number: signal.signal(number, on_signal) for number in STOP_SIGNALS}
    ended = None
    try:
        for child in children:
            child.process = subprocess.Popen(child.argv, env=env, start_new_session=True, preexec_fn=_die_with_parent)
            say(f"started {child.name} (pid {child.process.pid})")
        while not stop.wait(0.5):
            ended = next((c for c in children if c.process is not None and c.process.poll() is not None), None)
            if ended is not None:
                say(f"{ended.name} ended by itself (exit status {ended.process.returncode}): stopping the others")
                break
        if received:
            say(f"{signal.Signals(received[0]).name} received: stopping")
    finally:  # whatever happened, even a child that could not start: none is left running
        _stop_all(children, grace, say)
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 1 if ended is not None else 0


def _stop_all(children: list[Child], grace: float, say: Callable[[str], None]) -> None:
    running = [c for c in children if c.process is not None and c.process.poll() is None]
    for child in running:
        child.process.send_signal(signal.SIGTERM)  # gunicorn and Celery finish what they are doing first
    deadline = time.monotonic() + grace
    for child in running:
        try:
            child.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.name} did not stop within {grace:g} s: killed")
            child.process.kill()
            child.process.wait()
    say("stopped")
