"""Bounds on what one script or expression of a diagram may spend: time and memory.

Time: :func:`bounded` registers the running thread with one watchdog thread per process; past the
deadline the watchdog raises :class:`Overtime` inside that thread with
``PyThreadState_SetAsyncExc``. That works in any thread (the web server's request threads
included) and costs a dictionary write per run; it interrupts Python code only, which is all
RestrictedPython's compiled code is, while one long C call runs to its end first. That is why
the calls that can run long or make a big object in one C call are guarded before they run:

Memory: the script's ``*``, ``+``, ``**``, ``<<``, ``%`` on strings, f-string widths, the
sequence builders (``list``, ``tuple``, ``set``, ``sorted``, ``bytes``, ``bytearray``, ``range``,
``pow``) and the string methods that pad or expand (``ljust``, ``replace``, ``join``, ...)
estimate the size of their result first and raise :class:`Oversize` when it is past the limit.
Growth in small steps (a loop appending to a list) is caught by the watchdog, which also stops a
script when the process's resident memory has grown past the limit since the script started
(Linux; /proc/self/statm).

Both exceptions derive from BaseException, so a script's ``except Exception`` cannot swallow
them; a bare ``except:`` is refused when scripts are compiled.
"""

from __future__ import annotations

import ctypes
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["GUARDED_BINOPS", "GUARDS", "Limits", "Oversize", "Overtime", "ScriptLimit", "bounded"]

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How long one script or expression may run (seconds) and how much memory it may make (bytes)."""

    seconds: float = 2.0
    memory: int = 64 * MB

    @classmethod
    def of(cls, seconds: float, memory_mb: float) -> Limits:
        return cls(float(seconds), int(memory_mb * MB))

    @property
    def shown_seconds(self) -> str:
        return f"{self.seconds:g} s"

    @property
    def shown_memory(self) -> str:
        return _size(self.memory)


class ScriptLimit(BaseException):
    """A script went past a limit; ``reason`` says which, in plain words."""

    reason = "was stopped"


class Overtime(ScriptLimit):
    """Raised inside the script's thread by the watchdog (so it takes no arguments)."""


class Oversize(ScriptLimit):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1024
    return ""  # pragma: no cover


# --------------------------------------------------------------------------- the watchdog


class _Run:
    __slots__ = ("deadline", "limits", "rss_at_start", "stopped_for")

    def __init__(self, limits: Limits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.rss_at_start: int | None = None  # read by the watchdog, once the run lasts a tick
        self.stopped_for: str | None = None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_TICK = 0.05  # how often the watchdog looks: a script is stopped at most this late


def _resident_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.c_void_p)  # the exception class's address, or NULL to clear
_set_async_exc.restype = ctypes.c_int


class _Watchdog:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: dict[int, _Run] = {}
        self.thread: threading.Thread | None = None

    def start(self, thread_id: int, run: _Run) -> None:
        with self.lock:
            self.runs[thread_id] = run
            if self.thread is None:
                self.thread = threading.Thread(target=self._watch, name="motcua-script-watchdog", daemon=True)
                self.thread.start()

    def stop(self, thread_id: int) -> None:
        with self.lock:
            run = self.runs.pop(thread_id, None)
            if run is not None and run.stopped_for is not None:
                # an Overtime sent but not yet raised must not land in the engine's own code
                _set_async_exc(thread_id, None)

    def _watch(self) -> None:
        while True:
            time.sleep(_TICK)
            if not self.runs:
                continue
            now = time.monotonic()
            rss = None
            with self.lock:
                for thread_id, run in self.runs.items():
                    if run.rss_at_start is None:
                        rss = rss if rss is not None else _resident_bytes()
                        run.rss_at_start = rss if rss is not None else -1
                        continue
                    reason = None
                    if now >= run.deadline:
                        reason = f"ran longer than {run.limits.shown_seconds} and was stopped"
                    elif run.rss_at_start >= 0:
                        rss = rss if rss is not None else _resident_bytes()
                        if rss is not None and rss - run.rss_at_start > run.limits.memory:
                            reason = (
                                f"was stopped: it made the process grow by {_size(rss - run.rss_at_start)}, "
                                f"more than the {run.limits.shown_memory} a script may use"
                            )
                    if reason is not None and (run.stopped_for is None or now >= run.deadline + 1):
                        # once, and again every second in case the script's `finally` loops too
                        run.stopped_for = run.stopped_for or reason
                        run.deadline = max(run.deadline, now)
                        _set_async_exc(thread_id, id(Overtime))

    def after_fork(self) -> None:
        self.lock = threading.Lock()
        self.runs = {}
        self.thread = None


_watchdog = _Watchdog()
if hasattr(os, "register_at_fork"):  # a forked worker (Celery, gunicorn) starts its own watchdog
    os.register_at_fork(after_in_child=_watchdog.after_fork)
_local = threading.local()


def bounded(limits: Limits, action: Callable[..., Any], *args: Any) -> Any:
    """``action(*args)`` (running the script) under ``limits``; raises Overtime or Oversize with its
    reason."""
    if getattr(_local, "run", None) is not None:  # a script calling something that runs another: one bound
        return action(*args)
    run = _Run(limits)
    thread_id = threading.get_ident()
    _local.run = run
    try:
        _watchdog.start(thread_id, run)
        return action(*args)
    except Overtime as stop:
        stop.reason = run.stopped_for or Overtime.reason
        raise
    finally:
        _finish(thread_id)
        _local.run = None


def _finish(thread_id: int) -> None:
    """Leave the watchdog's watch. An Overtime sent just as the script ended may be raised here,
    before the watch is left: leave it then; once left, none is pending and none will come."""
    while True:
        try:
            _watchdog.stop(thread_id)
            return
        except Overtime:
            continue


# --------------------------------------------------------------------------- size guards


def _limit() -> int:
    run = getattr(_local, "run", None)
    return run.limits.memory if run is not None else Limits.memory


def _check(estimate: float, what: str) -> None:
    limit = _limit()
    if estimate > limit:
        raise Oversize(
            f"was stopped: {what} would make about {_size(estimate)}, more than the {_size(limit)} a script may use"
        )


_SEQUENCES = (str, bytes, bytearray, list, tuple)


def _item_bytes(seq: Any) -> int:
    if isinstance(seq, str):
        return 1 if seq.isascii() else 4
    return 1 if isinstance(seq, (bytes, bytearray)) else 8


def _mul(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        if a.bit_length() + b.bit_length() > 8 * 1024 * 1024:
            _check((a.bit_length() + b.bit_length()) / 8, "a * b")
    elif isinstance(a, _SEQUENCES) and isinstance(b, int):
        _check(len(a) * _item_bytes(a) * b, "repeating a sequence (*)")
    elif isinstance(b, _SEQUENCES) and isinstance(a, int):
        _check(len(b) * _item_bytes(b) * a, "repeating a sequence (*)")
    return a * b


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
        _check((len(a) + len(b)) * max(_item_bytes(a), _item_bytes(b)), "joining sequences (+)")
    return a + b


def _pow(a: Any, b: Any, modulo: Any = None) -> Any:
    if modulo is None and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        _check(math.log2(abs(a)) * b / 8, "a ** b")
    return pow(a, b, modulo)


def _lshift(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and a and b > 0:
        _check((a.bit_length() + b) / 8, "a << b")
    return a << b


_WIDTHS = re.compile(r"(\d{4,})")


def _widths(spec: str) -> int:
    return sum(int(w) for w in _WIDTHS.findall(spec))


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, (str, bytes)) and "%" in (a if isinstance(a, str) else a.decode("latin-1")):
        text = a if isinstance(a, str) else a.decode("latin-1")
        width = _widths(text)
        if "*" in text:
            width += sum(abs(x) for x in (b if isinstance(b, tuple) else (b,)) if isinstance(x, int))
        _check(width * _item_bytes(a), "% formatting")
    return a % b


def _format(value: Any, spec: str, conversion: int = -1) -> str:
    """An f-string's ``{value!c:spec}``."""
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    _check(_widths(spec) * 4, "an f-string width")
    return format(value, spec)


class _GuardedType(type):
    """A stand-in for a builtin type scripts call to build a sequence (``list(x)``): calling it checks
    the size first and returns the real type's object; ``isinstance(v, list)`` still works."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if args:
            first = args[0]
            if isinstance(first, int) and cls.per_item == 1:  # bytes(n), bytearray(n)
                _check(first, f"{cls.real.__name__}({first})")
            elif hasattr(first, "__len__"):
                _check(len(first) * cls.per_item, f"{cls.real.__name__}(...)")
        return cls.real(*args, **kwargs)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls.real)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, cls.real)

    def __getattr__(cls, name: str) -> Any:  # list.count, dict.fromkeys, ...
        return getattr(cls.real, name)

    def __repr__(cls) -> str:
        return repr(cls.real)


def _guarded_type(real: type, per_item: int) -> type:
    return _GuardedType(real.__name__, (), {"real": real, "per_item": per_item})


def _sorted(*args: Any, **kwargs: Any) -> list:
    if args and hasattr(args[0], "__len__"):
        _check(len(args[0]) * 8, "sorted(...)")
    return sorted(*args, **kwargs)


def _range(*args: int) -> range:
    # a range is lazy, but what consumes it (list, sum, sorted) is one C call the watchdog cannot
    # interrupt: ranges are limited to the items a list of the memory limit would hold, counting
    # each item's pointer and its int object (32 bytes)
    result = range(*args)
    _check(len(result) * 32, f"range of {len(result):,} items")
    return result


def _padded(method: str) -> Callable[[Any], Callable[..., Any]]:
    def bind(text: Any) -> Callable[..., Any]:
        bound = getattr(text, method)

        def call(width: Any = 0, *rest: Any) -> Any:
            if isinstance(width, int):
                _check(width * _item_bytes(text), f"str.{method}({width})")
            return bound(width, *rest)

        return call

    return bind


def _expandtabs(text: Any) -> Callable[..., Any]:
    def call(tabsize: int = 8) -> Any:
        tab = "\t" if isinstance(text, str) else b"\t"
        if isinstance(tabsize, int):
            _check((len(text) + text.count(tab) * tabsize) * _item_bytes(text), "expandtabs")
        return text.expandtabs(tabsize)

    return call


def _replace(text: Any) -> Callable[..., Any]:
    def call(old: Any, new: Any, count: int = -1) -> Any:
        if len(new) > len(old):
            times = text.count(old) if old else len(text) + 1
            if count >= 0:
                times = min(times, count)
            _check((len(text) + times * (len(new) - len(old))) * _item_bytes(text), "replace")
        return text.replace(old, new, count)

    return call


def _join(text: Any) -> Callable[[Iterable[Any]], Any]:
    def call(items: Iterable[Any]) -> Any:
        items = list(items)
        total = sum(len(x) for x in items if isinstance(x, _SEQUENCES)) + len(text) * max(len(items) - 1, 0)
        _check(total * _item_bytes(text), "join")
        return text.join(items)

    return call


# methods of str/bytes/bytearray that can make a big result from small arguments
STRING_METHODS: dict[str, Callable[[Any], Callable[..., Any]]] = {
    **{name: _padded(name) for name in ("ljust", "rjust", "center", "zfill")},
    "expandtabs": _expandtabs,
    "replace": _replace,
    "join": _join,
}

# the names the rewritten operators call (see scripting._DiagramPolicy)
GUARDED_BINOPS = {"Mult": "_mul_", "Add": "_add_", "Pow": "_pow_", "LShift": "_lshift_", "Mod": "_mod_"}

GUARDS: dict[str, Any] = {
    "_mul_": _mul,
    "_add_": _add,
    "_pow_": _pow,
    "_lshift_": _lshift,
    "_mod_": _mod,
    "_format_": _format,
}

BUILTINS: dict[str, Any] = {
    "pow": _pow,
    "range": _range,
    "list": _guarded_type(list, 8),
    "tuple": _guarded_type(tuple, 8),
    "set": _guarded_type(set, 8),
    "sorted": _sorted,
    "bytes": _guarded_type(bytes, 1),
    "bytearray": _guarded_type(bytearray, 1),
}

INPLACE = {"*=": _mul, "+=": _add, "**=": _pow, "<<=": _lshift, "%=": _mod}
