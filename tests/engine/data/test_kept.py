"""A value kept a while: made once however many callers ask at the same moment, and when stale,
made again by one caller while the others go on with the value before."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine.data.kept import Kept


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_callers_at_once_with_nothing_kept_wait_for_one_making():
    made, release = [], threading.Event()
    kept: Kept[str, int] = Kept(600)

    def make() -> int:
        made.append(1)
        release.wait(5)
        return len(made)

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(kept.get, "db", make) for _ in range(8)]
        while not made:  # the first caller is making it; the seven others wait
            threading.Event().wait(0.01)
        release.set()
        assert [f.result(5) for f in futures] == [1] * 8
    assert len(made) == 1


def test_a_stale_value_is_made_again_by_one_caller_while_the_others_use_it():
    clock, making, release = Clock(), threading.Event(), threading.Event()
    kept: Kept[str, str] = Kept(600, clock=clock)
    assert kept.get("db", lambda: "old") == "old"
    assert kept.get("db", lambda: "never made: still fresh") == "old"
    clock.now = 601  # stale

    def slow() -> str:
        making.set()
        release.wait(5)
        return "new"

    with ThreadPoolExecutor(1) as pool:
        remaking = pool.submit(kept.get, "db", slow)
        assert making.wait(5)
        # while it is made again, other callers get the value before at once, and make nothing
        assert [kept.get("db", lambda: "a second scan") for _ in range(5)] == ["old"] * 5
        release.set()
        assert remaking.result(5) == "new"
    assert kept.get("db", lambda: "not yet stale again") == "new"


def test_a_failed_making_leaves_the_next_caller_to_try_again():
    kept: Kept[str, int] = Kept(600)

    def broken() -> int:
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError, match="database away"):
        kept.get("db", broken)
    assert kept.get("db", lambda: 7) == 7


def test_keys_are_kept_apart_and_their_number_bounded():
    kept: Kept[int, int] = Kept(600, most=3)
    for key in range(5):
        assert kept.get(key, lambda key=key: key * 10) == key * 10
    assert len(kept._values) <= 3
    kept.forget()
    assert kept.get(1, lambda: 11) == 11
