"""A morning's load, end to end: a scratch PostgreSQL database, migrated and seeded with the demo and
with the applicants and desk officers Locust logs in as; the product's server (and the simulated outside
systems) started against it; Locust headless (bench/load/locustfile.py); then what was stored checked
against what Locust saw, and p50/p95 per endpoint printed against the goal.

    .venv/bin/python bench/load/run.py                       # 50 users, 5 minutes (make bench-load)
    .venv/bin/python bench/load/run.py --users 20 --minutes 1
    .venv/bin/python bench/load/run.py --server "gunicorn -w 2 -b 127.0.0.1:{port} 'web:create_app()'"
    .venv/bin/python bench/load/run.py --host http://127.0.0.1:8000 --database-url postgresql+psycopg://...

The goal (README, "Performance"): p95 under 300 ms on every endpoint, logins included; no error; every
dossier Locust saw submitted is stored with its state, tasks and events, and no other.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.config import Settings  # noqa: E402
from engine.data.models import Account, Dossier, Event, HumanTask  # noqa: E402
from engine.data.scratch import scratch_database  # noqa: E402
from engine.people.accounts import hash_password  # noqa: E402
from engine.people.officers import add_user, grant  # noqa: E402
from engine.runtime import Runtime  # noqa: E402

BIN = Path(sys.executable).parent
GOAL_P95_MS = 300
PASSWORD = "load-test-2026"
DEFAULT_SERVER = "motcua serve --host 127.0.0.1 --port {port} --threads 8"
OUTSIDE = ("post", "registry", "portal", "bank", "notify")  # the simulators' paths, one per outside system


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="motcua-load-") as folder, ExitStack() as stack:
        work = Path(folder)
        database_url = args.database_url
        host = args.host
        if host is None:  # our own database and server
            database_url = stack.enter_context(scratch_database(args.postgres_url))
            env = _server_environment(database_url, _free_port())
            _cli(env, "db", "upgrade")
            _cli(env, "demo", "seed")
            port = _free_port()
            stack.enter_context(_process(f"motcua simulators --port {_port_of(env)}", env, work / "simulators.log"))
            stack.enter_context(_process(args.server.format(port=port), env, work / "server.log"))
            host = f"http://127.0.0.1:{port}"
            _wait_for(host)
            _warm_up(host)
        people = _people(database_url, args.users) if database_url else None
        before = _load_dossiers(database_url, people) if database_url else set()
        (work / "people.json").write_text(json.dumps(people or {}, ensure_ascii=False))
        print(f"Locust: {args.users} users for {args.minutes:g} minute(s) against {host}", flush=True)
        print("load average before (1, 5, 15 min): " + ", ".join(f"{n:.1f}" for n in os.getloadavg()))
        stats = _locust(host, work, args, people is not None)
        # other work on the machine moves every figure: say how busy it was
        print("load average after (1, 5, 15 min): " + ", ".join(f"{n:.1f}" for n in os.getloadavg()))
        submitted = json.loads((work / "submissions.json").read_text())
        problems = _report(stats)
        if database_url:
            problems += _check(database_url, people, before, submitted)
        else:
            print("No --database-url: what was stored is not checked.")
        if args.keep:
            print(f"Locust's CSV files and the servers' logs: {args.keep}")
            for name in [*work.glob("locust_*"), *work.glob("*.log")]:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                name.replace(Path(args.keep) / name.name)
        if problems:
            print("\nMissed:\n  " + "\n  ".join(problems))
        else:
            print(f"\nGoal met: p95 < {GOAL_P95_MS} ms on every endpoint, 0 errors, 0 lost.")
    sys.exit(1 if problems else 0)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="users at the peak, 4 applicants to 1 desk officer")
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the run (the ramp takes 2 of them)")
    parser.add_argument("--host", help="an already-running server to load (then no scratch database)")
    parser.add_argument(
        "--database-url",
        help="with --host: that server's database, to add the load's people and check what was stored",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("MOTCUA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="the PostgreSQL server to make the scratch database on",
    )
    parser.add_argument(
        "--server",
        default=DEFAULT_SERVER,
        help="the server's command, {port} filled in; run from the venv's bin, with MOTCUA_DATABASE_URL set",
    )
    parser.add_argument("--keep", help="a folder to keep Locust's CSV files in")
    return parser.parse_args()


# --- the database and the server -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_environment(database_url: str, simulators_port: int) -> dict[str, str]:
    """The product's settings: the scratch database, outside systems played by simulators on a free
    port (other people's runs on this machine keep theirs), and no limit that one address logging in
    50 people would meet: the load comes from one machine, an office's from many."""
    env = {**os.environ, "MOTCUA_DATABASE_URL": database_url, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for name in OUTSIDE:
        env[f"MOTCUA_{name.upper()}_URL"] = f"http://127.0.0.1:{simulators_port}/{name}"
    return env


def _port_of(env: dict[str, str]) -> int:
    return int(env["MOTCUA_POST_URL"].split(":")[2].split("/")[0])


def _cli(env: dict[str, str], *words: str) -> None:
    subprocess.run([str(BIN / "motcua"), *words], env=env, check=True, stdout=subprocess.DEVNULL)


@contextmanager
def _process(command: str, env: dict[str, str], log: Path):
    """A server in the background, stopped (SIGTERM, then SIGKILL) when the run ends."""
    words = shlex.split(command)
    if (BIN / words[0]).exists():
        words[0] = str(BIN / words[0])
    with log.open("wb") as out:
        process = subprocess.Popen(words, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.returncode not in (0, -15) and log.exists():
                print(f"{words[0]} ended with {process.returncode}; its output:\n{log.read_text()[-3000:]}")


def _wait_for(host: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{host}/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server did not answer on {host} within a minute")


def _warm_up(host: str) -> None:
    """Open the public pages once, as the office's own check does before the doors open: the first
    request of each loads the catalogue's versions and compiles its templates (seconds, not the load's)."""
    for path in ("/", "/procedures", "/procedures/P02", "/track", "/login", "/officer/login"):
        httpx.get(f"{host}{path}", timeout=60)


def _people(database_url: str, users: int) -> dict:
    """Applicant accounts (one per applicant at the peak) and desk officers (one per officer), all
    with PASSWORD, made through the engine as sign-up and `motcua users` make them."""
    runtime = Runtime.create(Settings.from_env(database_url=database_url))
    applicants = [
        {"id_number": f"0519{n:08d}", "name": f"Người Thử Tải {n}", "phone": f"098{n:07d}"}
        for n in range(1, max(users * 4 // 5, 1) + 1)
    ]
    officers = [f"desk.load{n}" for n in range(1, max(users // 5, 1) + 1)]
    password_hash = hash_password(PASSWORD)  # the same hash for all: one argon2 run, not sixty
    now = runtime.clock.now()
    with runtime.db.write() as session:
        known = set(session.scalars(select(Account.id_number)))
        for person in applicants:
            if person["id_number"] not in known:
                session.add(
                    Account(
                        kind="individual",
                        id_number=person["id_number"],
                        full_name=person["name"],
                        phone=person["phone"],
                        password_hash=password_hash,
                        created_at=now,
                    )
                )
        for username in officers:
            user = add_user(session, username, f"Cán bộ một cửa {username[9:]}")
            user.password_hash = password_hash
            grant(session, user, "desk", runtime.settings.office_code)
    runtime.db.engine.dispose()
    return {"password": PASSWORD, "applicants": applicants, "officers": officers}


# --- Locust and its figures -----------------------------------------------------------------------


def _locust(host: str, work: Path, args: argparse.Namespace, own_people: bool) -> list[dict[str, str]]:
    env = {
        **os.environ,
        "LOAD_USERS": str(args.users),
        "LOAD_MINUTES": str(args.minutes),
        "LOAD_SUBMISSIONS": str(work / "submissions.json"),
        "PYTHONPATH": str(ROOT),
    }
    if own_people:
        env["LOAD_PEOPLE"] = str(work / "people.json")
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "load" / "locustfile.py"),
        "--headless",
        "--host",
        host,
        "--csv",
        str(work / "locust"),
        "--only-summary",
        # at the end each user finishes what it is doing: a dossier sent is then also seen confirmed
        "--stop-timeout",
        "60",
        "--loglevel",
        "WARNING",
    ]
    subprocess.run(command, env=env, check=False)  # exit 1 when a request failed: reported below
    with (work / "locust_stats.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _report(stats: list[dict[str, str]]) -> list[str]:
    """p50/p95 per endpoint, and what missed the goal."""
    problems = []
    print(f"\n{'endpoint':<40} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for row in stats:
        name = row["Name"] if row["Name"] != "Aggregated" else "all"
        count, failures = int(row["Request Count"]), int(row["Failure Count"])
        p50, p95, top = (float(row[k]) for k in ("50%", "95%", "Max Response Time"))
        print(f"{name:<40} {count:>8} {failures:>6} {p50:>7.0f} {p95:>7.0f} {top:>7.0f}")
        if name != "all" and p95 >= GOAL_P95_MS:
            problems.append(f"{name}: p95 {p95:.0f} ms")
        if name == "all" and failures:
            problems.append(f"{failures} request(s) failed")
    return problems


# --- what was stored ------------------------------------------------------------------------------


def _load_dossiers(database_url: str, people: dict) -> set[str]:
    ids = [p["id_number"] for p in people["applicants"]]
    runtime = Runtime.create(Settings.from_env(database_url=database_url))
    with runtime.db.read() as session:
        codes = set(session.scalars(select(Dossier.code).where(Dossier.applicant_id_number.in_(ids))))
    runtime.db.engine.dispose()
    return codes


def _check(database_url: str, people: dict, before: set[str], submitted: list[dict[str, str]]) -> list[str]:
    """Count in = count out: every dossier Locust saw submitted is stored (once, under its applicant),
    with a state, open tasks or a finish, and events; and the load's applicants have no other."""
    runtime = Runtime.create(Settings.from_env(database_url=database_url))
    problems = []
    seen = {s["code"]: s["id_number"] for s in submitted}
    stored = _load_dossiers(database_url, people) - before
    with runtime.db.read() as session:
        for code in sorted(stored & seen.keys()):
            dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
            tasks = session.scalar(select(func.count()).where(HumanTask.dossier_id == dossier.id))
            events = session.scalar(select(func.count()).where(Event.dossier_id == dossier.id))
            if dossier.applicant_id_number != seen[code]:
                problems.append(f"{code}: stored under {dossier.applicant_id_number}, submitted by {seen[code]}")
            if not dossier.state or not events or not (tasks or dossier.finished_at):
                problems.append(f"{code}: state {bool(dossier.state)}, {tasks} task(s), {events} event(s)")
    runtime.db.engine.dispose()
    lost, extra = seen.keys() - stored, stored - seen.keys()
    print(f"\nSubmissions: {len(seen)} seen by Locust, {len(stored)} stored; {len(lost)} lost, {len(extra)} unseen")
    if len(seen) != len(submitted):
        problems.append(f"{len(submitted) - len(seen)} code(s) given twice")
    problems += [f"{code}: Locust saw it submitted, it is not stored" for code in sorted(lost)]
    problems += [f"{code}: stored, Locust did not see it submitted" for code in sorted(extra)]
    return problems


if __name__ == "__main__":
    main()
