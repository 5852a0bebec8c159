"""What a login's password check costs: argon2id with the parameters Motcua used before (argon2-cffi's
default, 64 MiB x 3 passes on 4 lanes) and with today's (engine.people.accounts: OWASP's m=12 MiB, t=3,
p=1), one at a time and as a burst of 8 at once (the server's 8 threads at the office's opening).

    .venv/bin/python bench/password_hashing.py [--logins 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher

from engine.people import accounts

PASSWORD = "mat-khau-2026"
SETTINGS = {
    "before: m=64 MiB, t=3, p=4": PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4),
    "now: m=12 MiB, t=3, p=1": PasswordHasher(
        time_cost=accounts.HASH_TIME_COST, memory_cost=accounts.HASH_MEMORY_KIB, parallelism=accounts.HASH_PARALLELISM
    ),
}


def _timed(hasher: PasswordHasher, stored: str) -> float:
    start = time.perf_counter()
    hasher.verify(stored, PASSWORD)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=40, help="checks per line")
    args = parser.parse_args()
    print("load average (1, 5, 15 min): " + ", ".join(f"{n:.1f}" for n in os.getloadavg()))
    print(f"{'parameters':<28} {'threads':>7} {'p50 ms':>7} {'p95 ms':>7} {'logins/s':>8}")
    for name, hasher in SETTINGS.items():
        stored = hasher.hash(PASSWORD)
        for threads in (1, 8):
            start = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                times = sorted(pool.map(_timed, [hasher] * args.logins, [stored] * args.logins))
            rate = args.logins / (time.perf_counter() - start)
            p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
            print(f"{name:<28} {threads:>7} {p50 * 1000:>7.0f} {p95 * 1000:>7.0f} {rate:>8.1f}")


if __name__ == "__main__":
    main()
