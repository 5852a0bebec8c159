"""Values made from the database and kept a while in the process (the forecast's measurements, the
public statistics): when one goes stale, the first caller makes it again while the others go on
with the stale value, so a busy page never has several requests each rescanning a million
dossiers at once; a caller with no value at all waits for the one being made instead of making its
own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    """Values by key, each made by `make` at most once every `seconds` (per process), and at most
    `most` keys kept (the keys may be chosen by anyone, such as a page's period)."""

    def __init__(self, seconds: float, most: int = 1000, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.most = most
        self._clock = clock
        self._lock = threading.Lock()  # guards the two dicts, held only for a look or a store
        self._values: dict[K, tuple[float, V]] = {}
        self._making: dict[K, threading.Lock] = {}  # held by the caller making that key's value

    def _fresh(self, kept: tuple[float, V] | None) -> bool:
        return kept is not None and self._clock() - kept[0] < self.seconds

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The key's value, made again by this caller if it is stale and no one else is making it."""
        with self._lock:
            kept = self._values.get(key)
            if self._fresh(kept):
                return kept[1]  # type: ignore[index]
            making = self._making.setdefault(key, threading.Lock())
        # with a stale value, never wait: someone is making the new one
        if not making.acquire(blocking=kept is None):
            return kept[1]  # type: ignore[index]
        try:
            with self._lock:
                again = self._values.get(key)
            if again is not kept and self._fresh(again):
                return again[1]  # type: ignore[index]  # made while this caller waited or looked
            value = make()
            with self._lock:
                if key not in self._values and len(self._values) >= self.most:
                    self._values.clear()
                    self._making = {key: making}  # the others' locks stay with whoever holds them
                self._values[key] = (self._clock(), value)
            return value
        finally:
            making.release()

    def forget(self) -> None:
        """Make every value afresh next time (tests that empty or script the database)."""
        with self._lock:
            self._values.clear()
