"""Officers' inboxes at a million dossiers: a scratch PostgreSQL database loaded by bulk SQL with N
dossiers (default 1,000,000) and about five task rows each, spread over three years, ten units, the
27 procedures, every status, open/claimed/done tasks and due dates; then each inbox view's first
page with its count, the officers' search, an applicant's "my dossiers" and public tracking,
timed through the engine and over HTTP (the Flask app served by waitress in a thread, a logged-in
officer's and applicant's sessions). p50/p95 in ms, against the goal: p95 < 20 ms through the
engine and < 100 ms over HTTP.

    .venv/bin/python bench/inbox_scale.py                        # 1,000,000 dossiers: 25 min to load on 2 cores
    .venv/bin/python bench/inbox_scale.py --dossiers 50000       # a smaller office, a minute
    .venv/bin/python bench/inbox_scale.py --keep                 # keep the loaded database, reuse it next time
    .venv/bin/python bench/inbox_scale.py --keep --explain       # and print each view's plan (EXPLAIN ANALYZE)
"""

from __future__ import annotations

import argparse
import re
import statistics
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
import summary  # bench/summary.py, beside this script
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from waitress.server import create_server

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.models import Account, Dossier, HumanTask, RoleAssignment, TaskPurpose, User
from engine.data.scratch import scratch_database
from engine.data.search_index import FULLNAME
from engine.demo import APPLICANT, DEMO_PASSWORD, seed_demo
from engine.dossiers import inbox, search
from engine.dossiers.views import dossiers_of_account, public_view
from engine.people.officers import add_unit, add_user, grant
from engine.runtime import Runtime
from engine.sla.office_calendar import current_calendar
from engine.workflow.metadata import RETURN

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # a Tuesday morning in Viet Nam
DISTRICTS = [f"BHXH.QNI.D{n}" for n in range(1, 10)]
WORKING_ROLES = ["desk", "collection", "books_cards", "benefits", "hi_assessment", "finance", "leadership"]
FAMILY = [("Nguyễn", "nguyen"), ("Trần", "tran"), ("Lê", "le"), ("Phạm", "pham"), ("Hoàng", "hoang")]
FAMILY += [("Huỳnh", "huynh"), ("Phan", "phan"), ("Võ", "vo"), ("Đặng", "dang"), ("Bùi", "bui"), ("Đỗ", "do")]
MIDDLE = [("Văn", "van"), ("Thị", "thi"), ("Minh", "minh"), ("Hữu", "huu"), ("Đức", "duc"), ("Ngọc", "ngoc")]
GIVEN = [("An", "an"), ("Bình", "binh"), ("Châu", "chau"), ("Dũng", "dung"), ("Giang", "giang"), ("Hà", "ha")]
GIVEN += [("Hải", "hai"), ("Hạnh", "hanh"), ("Hùng", "hung"), ("Khánh", "khanh"), ("Lan", "lan"), ("Linh", "linh")]
GIVEN += [("Long", "long"), ("Mai", "mai"), ("Nam", "nam"), ("Phúc", "phuc"), ("Sơn", "son"), ("Thảo", "thao")]
DESK, LEADER = "lan.motcua", "hoa.lanhdao"  # the demo's desk officer and the office's leader
GOAL_ENGINE_MS, GOAL_HTTP_MS = 20.0, 100.0


# --- loading -------------------------------------------------------------------------------------


def _array(values: list) -> str:
    """A SQL array literal of plain strings or numbers (the bench's own, never user input)."""
    quoted = ("'" + v.replace("'", "''") + "'" if isinstance(v, str) else str(v) for v in values)
    return "ARRAY[" + ",".join(quoted) + "]"


def _pick(values: list, seed: str) -> str:
    return f"({_array(values)})[1 + ({seed}) % {len(values)}]"


def load(runtime: Runtime, count: int) -> None:
    """The demo (officers with passwords, accounts, a few dossiers with real state), then `count`
    dossiers and their tasks cloned from the demo's steps by INSERT ... SELECT generate_series."""
    catalogue = runtime.load_catalogue()
    runtime.upgrade_database()
    runtime.deploy(catalogue)
    seed_demo(runtime, catalogue)
    with runtime.db.write() as session:
        for unit in DISTRICTS:
            add_unit(session, unit, f"BHXH huyện {unit[-2:]}", f"District office {unit[-2:]}")
            for role in WORKING_ROLES:
                grant(session, add_user(session, f"{role}.{unit[-2:].lower()}", f"Cán bộ {role} {unit}"), role, unit)
        versions = session.execute(
            text("SELECT code, max(id) FROM procedure_versions GROUP BY code ORDER BY code")
        ).all()
        steps = session.execute(
            select(HumanTask.element_id, HumanTask.title, HumanTask.role_code).distinct().order_by(HumanTask.element_id)
        ).all()
        purposes = dict(session.execute(select(TaskPurpose.element_id, TaskPurpose.purpose)).all())
        officers = session.execute(
            select(RoleAssignment.role_code, RoleAssignment.unit_code, RoleAssignment.user_id).order_by(
                RoleAssignment.user_id
            )
        ).all()
        account_id = session.scalar(select(Account.id).where(Account.id_number == APPLICANT["citizen_id"]))
    kinds: dict[str, list] = {"intake": [], "return": [], "work": []}
    for step in steps:
        purpose = purposes.get(step.element_id)
        kinds["intake" if purpose == "intake" else "return" if purpose in RETURN else "work"].append(step)
    kinds = {kind: found or kinds["work"] for kind, found in kinds.items()}
    office = runtime.settings.office_code
    with runtime.db.engine.begin() as conn:
        conn.execute(
            text("CREATE TEMP TABLE bench_officers (role_code text, unit_code text, n int, cnt int, user_id int)")
        )
        held: dict[tuple[str, str], list[int]] = {}
        for role, unit, user_id in officers:
            if role in WORKING_ROLES:
                held.setdefault((role, unit), []).append(user_id)
        for (role, unit), users in held.items():
            for n, user_id in enumerate(users):
                conn.execute(
                    text("INSERT INTO bench_officers VALUES (:r, :u, :n, :c, :id)"),
                    {"r": role, "u": unit, "n": n, "c": len(users), "id": user_id},
                )
        base = conn.scalar(text("SELECT coalesce(max(id), 0) FROM dossiers"))
        began = time.perf_counter()
        _load_dossiers(conn, count, base, versions, office, account_id)
        print(f"  {count:,} dossiers in {time.perf_counter() - began:.0f} s", flush=True)
        began = time.perf_counter()
        _load_tasks(conn, base, kinds)
        tasks = conn.scalar(text("SELECT count(*) FROM human_tasks"))
        print(f"  {tasks:,} task rows in {time.perf_counter() - began:.0f} s", flush=True)
        began = time.perf_counter()
        _load_search_terms(conn, base)
        print(f"  search terms in {time.perf_counter() - began:.0f} s", flush=True)
        conn.execute(text("SELECT setval(pg_get_serial_sequence('dossiers', 'id'), (SELECT max(id) FROM dossiers))"))
    with runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        began = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))  # statistics and visibility, as autovacuum keeps a live database's
        print(f"  VACUUM ANALYZE in {time.perf_counter() - began:.0f} s", flush=True)


def _load_dossiers(conn, count: int, base: int, versions: list, office: str, account_id: int) -> None:
    """Three years of dossiers, the newest last: those of the last 90 days still open (submitted,
    accepted, processing, awaiting a supplement or a fee, a few withdrawn), the older ones returned,
    finished, refused, withdrawn or stopped. 40 % in the province office, the rest in 9 districts;
    one in 5,000 the demo applicant's own (their "my dossiers")."""
    h = "(i::bigint * {} % 1000003)".format
    age = f"(({count} - i)::float8 * 1095 / {count})"  # days before NOW
    open_status = _pick([1, 4, 4, 4, 4, 5, 6, 2, 1, 4], h(7919))
    # returned 85 %, finished 5 %, refused 5 %, withdrawn 3 %, stopped 2 %
    closed_status = _pick([10] * 85 + [9] * 5 + [3] * 5 + [7] * 3 + [8] * 2, h(104729) + " % 100")
    family, middle, given = (
        _pick([w for w, _ in words], h(n)) for words, n in ((FAMILY, 31), (MIDDLE, 37), (GIVEN, 41))
    )
    name = f"{family} || ' ' || {middle} || ' ' || {given}"
    conn.execute(
        text(f"""
        INSERT INTO dossiers (id, code, procedure_code, version_id, unit_code, status, applicant_name,
            applicant_id_number, account_id, result_channel, channel, submitted_at, updated_at, finished_at,
            next_timer_at, state, state_version, kept_messages, last_event_seq, last_event_hash)
        SELECT {base} + i,
            'BENCH-' || to_char(at, 'YYMMDD') || '-' || lpad(i::text, 7, '0'),
            {_pick([v[0] for v in versions], h(13))}, {_pick([v[1] for v in versions], h(13))},
            CASE WHEN {h(17)} % 10 < 4 THEN '{office}' ELSE {_pick(DISTRICTS, h(19))} END,
            status, {name}, lpad(({h(43)} * 1000003 + i)::text, 12, '0'),
            CASE WHEN i % 5000 = 0 THEN {account_id} END,
            {_pick(["electronic", "counter", "post"], h(47))}, {_pick(["online", "counter", "post"], h(53))},
            at, CASE WHEN status IN (1, 2, 4, 5, 6) OR ({age}) < 90 THEN at + interval '1 hour'
                ELSE at + interval '12 days' END,
            CASE WHEN status IN (3, 7, 8, 9, 10) THEN at + interval '12 days' END,
            CASE WHEN status = 5 THEN at + interval '15 days' WHEN status IN (1, 2, 4, 6) AND {h(59)} % 3 = 0
                THEN at + interval '20 days' END,
            '', 1, 0, 0, repeat('0', 64)
        FROM generate_series(1, {count}) AS i
        CROSS JOIN LATERAL (SELECT timestamptz '{NOW.isoformat()}' - {age} * interval '1 day' AS at) AS t
        CROSS JOIN LATERAL (SELECT CASE WHEN {age} < 90 THEN (CASE WHEN {h(61)} % 50 = 0 THEN 7 ELSE {open_status} END)
            ELSE {closed_status} END AS status) AS s
        """)
    )


def _load_tasks(conn, base: int, kinds: dict[str, list]) -> None:
    """Three to seven tasks a dossier (five on average): the first at intake, the last of a returned
    dossier a result return, the others its processing; an open dossier's last task is open (new,
    or claimed by an officer of its role and unit) at intake, return or processing, due in 1 to 10
    days (one in ten with no due time); the others done by an officer of the role and unit."""
    step = "(d.id * 17 + k * 7)"

    def pick(column: int) -> str:
        return (
            "CASE t.kind "
            + " ".join(f"WHEN '{kind}' THEN {_pick([s[column] for s in steps], step)}" for kind, steps in kinds.items())
            + " END"
        )

    open_ = "d.status IN (1, 2, 4, 6) AND k = m.m"
    conn.execute(
        text(f"""
        INSERT INTO human_tasks (dossier_id, spiff_task_id, element_id, title, role_code, unit_code, status,
            assignee_id, completed_by_id, created_at, claimed_at, finished_at, due_at, result_channel)
        SELECT d.id, 'bench-' || k, x.element_id, x.title, x.role_code, d.unit_code, t.status,
            CASE WHEN t.status IN ('claimed', 'done') THEN o.user_id END,
            CASE WHEN t.status = 'done' THEN o.user_id END,
            c.created, CASE WHEN t.status IN ('claimed', 'done') THEN c.created + interval '1 hour' END,
            CASE WHEN t.status IN ('done', 'canceled') THEN c.created + interval '6 hours' END,
            CASE WHEN (d.id + k) % 10 <> 0 THEN c.created + (1 + (d.id * 3 + k) % 10) * interval '1 day' END,
            d.result_channel
        FROM dossiers d
        CROSS JOIN LATERAL (SELECT 3 + (d.id * 7) % 5 AS m) m
        CROSS JOIN LATERAL generate_series(1, m.m) AS k
        CROSS JOIN LATERAL (SELECT
            CASE WHEN {open_} THEN {_pick(["intake", "intake", "return", "work", "work", "work", "work"], "d.id * 13")}
                 WHEN k = 1 THEN 'intake' WHEN k = m.m AND d.status IN (9, 10) THEN 'return' ELSE 'work' END AS kind,
            CASE WHEN {open_} THEN (CASE WHEN (d.id * 31) % 5 < 3 THEN 'new' ELSE 'claimed' END)
                 WHEN d.status IN (5, 7, 8) AND k = m.m THEN 'canceled' ELSE 'done' END AS status,
            d.submitted_at + (k - 1) * interval '1 day'
                * least(extract(epoch FROM timestamptz '{NOW.isoformat()}' - d.submitted_at) / 86400, 10) / m.m
                AS created) AS t
        CROSS JOIN LATERAL (SELECT {pick(0)} AS element_id, {pick(1)} AS title, {pick(2)} AS role_code) AS x
        CROSS JOIN LATERAL (SELECT t.created) AS c
        JOIN bench_officers o ON o.role_code = x.role_code AND o.unit_code = d.unit_code AND o.n = (d.id + k) % o.cnt
        WHERE d.id > {base}
        """)
    )


def _load_search_terms(conn, base: int) -> None:
    """What the officers' search finds a bench dossier by: its name's words (folded), the name kept
    whole from each word on but the last (engine.data.search_index.whole_names) and its ID number."""
    folded = dict(FAMILY + MIDDLE + GIVEN)
    cases = " ".join(f"WHEN '{a}' THEN '{p}'" for a, p in folded.items())
    conn.execute(
        text(f"""
        INSERT INTO search_terms (dossier_id, kind, value)
        SELECT DISTINCT d.id, 'name', CASE w {cases} END
        FROM dossiers d CROSS JOIN LATERAL unnest(string_to_array(d.applicant_name, ' ')) AS w
        WHERE d.id > {base}
        UNION ALL
        SELECT d.id, 'id', d.applicant_id_number FROM dossiers d WHERE d.id > {base}
        UNION ALL
        SELECT f.id, 'fullname', '{FULLNAME}' || array_to_string(f.w[i:], ' ')
        FROM (SELECT d.id, ARRAY(SELECT CASE w {cases} END
                                 FROM unnest(string_to_array(d.applicant_name, ' ')) WITH ORDINALITY AS u(w, n)
                                 ORDER BY n) AS w
              FROM dossiers d WHERE d.id > {base}) AS f
        CROSS JOIN LATERAL generate_series(1, cardinality(f.w) - 1) AS i
        """)
    )


# --- timing --------------------------------------------------------------------------------------


def timed(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p95 of `runs` runs after two warm-up runs, in ms."""
    for _ in range(2):
        work()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def officer_of(runtime: Runtime, username: str) -> inbox.Officer:
    with runtime.db.read() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        roles = session.execute(
            select(RoleAssignment.role_code, RoleAssignment.unit_code).where(RoleAssignment.user_id == user_id)
        ).all()
    return inbox.Officer(user_id, tuple((r, u) for r, u in roles))


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float, float, float, str]] = []

    def add(self, where: str, label: str, p50: float, p95: float, goal: float, found: str = "") -> None:
        self.rows.append((where, label, p50, p95, goal, found))
        mark = "ok" if p95 < goal else "SLOW"
        print(
            f"  {where:<6} {label:<44} {found:>10}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (< {goal:.0f})  {mark}",
            flush=True,
        )

    def summary(self) -> None:
        slow = [r for r in self.rows if r[3] >= r[4]]
        print(f"\n{len(self.rows) - len(slow)} of {len(self.rows)} under the goal", flush=True)
        for where, label, _, p95, goal, _ in slow:
            print(f"  over: {where} {label}: p95 {p95:.1f} ms (goal {goal:.0f} ms)")

    def summary_rows(self, dossiers: int) -> list[summary.Row]:
        """P2 for `make bench`: per side (engine, HTTP), the slowest line and how many met the goal."""
        rows = []
        for where, name in (("engine", "through the engine"), ("http", "over HTTP")):
            mine = [r for r in self.rows if r[0] == where]
            if not mine:
                continue
            worst = max(mine, key=lambda r: r[3])
            under = sum(r[3] < r[4] for r in mine)
            rows.append(
                summary.Row(
                    "P2",
                    f"inbox views, search, my dossiers, tracking {name} at {dossiers:,} dossiers",
                    f"{under} of {len(mine)} lines under; slowest p95 {worst[3]:.0f} ms ({worst[1]})",
                    f"p95 < {worst[4]:.0f} ms",
                    under == len(mine),
                )
            )
        return rows


def engine_figures(runtime: Runtime, report: Report, runs: int, explain: bool) -> dict[str, str]:
    """Each view's first page with its count (the inbox page's own work: all the tab counts, then the
    view's page), for the desk officer and the office's leader; then search, my dossiers, tracking."""
    with runtime.db.read() as session:
        calendar = current_calendar(session, runtime.settings)
        account_id = session.scalar(select(Account.id).where(Account.id_number == APPLICANT["citizen_id"]))
        tracked = session.execute(
            select(Dossier.code, Dossier.applicant_id_number).where(Dossier.code.not_like("BENCH-%")).limit(1)
        ).one()
        someone = session.execute(
            select(Dossier.applicant_name, Dossier.applicant_id_number).where(Dossier.id == 1000 + 17)
        ).one()
    filters = inbox.Filters()
    for username in (DESK, LEADER):
        officer = officer_of(runtime, username)

        def counts(officer=officer):
            with runtime.db.read() as session:
                return inbox.counts(session, officer, filters, NOW, calendar)

        p50, p95 = timed(counts, runs)
        found = counts()
        report.add("engine", f"{username}: all nine counts", p50, p95, GOAL_ENGINE_MS, "")
        print("         " + ", ".join(f"{v} {n}{'+' if n.more else ''}" for v, n in found.items()))
        for view in inbox.VIEWS:

            def page(view=view, officer=officer):
                with runtime.db.read() as session:
                    return inbox.list_view(session, officer, view, filters, NOW, calendar)

            p50, p95 = timed(page, runs)
            first = page()
            total = f"{first.total:,}{'+' if first.more else ''}"
            report.add("engine", f"{username}: {view} page 1 + its count", p50, p95, GOAL_ENGINE_MS, total)
            if first.next_after:

                def second(view=view, officer=officer, after=first.next_after):
                    with runtime.db.read() as session:
                        return inbox.list_view(session, officer, view, filters, NOW, calendar, 2, after=after)

                p50, p95 = timed(second, runs)
                report.add("engine", f"{username}: {view} page 2 (keyset)", p50, p95, GOAL_ENGINE_MS, "")
        if explain:
            explain_views(runtime, officer, calendar)
    units = (runtime.settings.office_code,)
    for label, query in [
        ("search: a common family name", "nguyen"),
        ("search: a whole name", someone.applicant_name),
        ("search: an ID number", someone.applicant_id_number),
    ]:

        def find(query=query):
            with runtime.db.read() as session:
                return search.search(session, units + tuple(DISTRICTS), query, 1, 20)

        p50, p95 = timed(find, runs)
        hits = find()
        report.add("engine", label, p50, p95, GOAL_ENGINE_MS, f"{hits.total:,}{'+' if hits.more else ''}")

    def mine():
        with runtime.db.read() as session:
            return dossiers_of_account(session, account_id)

    p50, p95 = timed(mine, runs)
    report.add("engine", "applicant: my dossiers", p50, p95, GOAL_ENGINE_MS, f"{mine()[1]:,}")

    def track():
        with runtime.db.read() as session:
            return public_view(session, runtime.versions, tracked.code, tracked.applicant_id_number)

    p50, p95 = timed(track, runs)
    report.add("engine", "tracking: code + ID number", p50, p95, GOAL_ENGINE_MS, "")
    return {"name": someone.applicant_name, "code": tracked.code, "id_number": tracked.applicant_id_number}


def explain_views(runtime: Runtime, officer: inbox.Officer, calendar) -> None:
    """The plan of each view's page and count as PostgreSQL ran them (EXPLAIN ANALYZE), in short."""
    from sqlalchemy import event

    statements: list[tuple[str, dict]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    for view in inbox.VIEWS:
        event.listen(runtime.db.engine, "before_cursor_execute", keep)
        try:
            with runtime.db.read() as session:
                inbox.list_view(session, officer, view, inbox.Filters(), NOW, calendar)
        finally:
            event.remove(runtime.db.engine, "before_cursor_execute", keep)
        with runtime.db.engine.connect() as conn:
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT") or "roles" in statement[:40]:
                    continue
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
                nodes = [
                    line.strip() for line in plan if re.search(r"Scan|Join|Sort|Gather|Limit|Append|Execution", line)
                ]
                print(f"    {view}: " + " | ".join(re.sub(r"\s*\(cost=[^)]*\)", "", n) for n in nodes[:6] + nodes[-1:]))
        statements.clear()


# --- over HTTP -----------------------------------------------------------------------------------


@contextmanager
def served(runtime: Runtime):
    """The Flask app on a real server (waitress, 4 threads) on a free local port."""
    import web

    app = web.create_app(runtime=runtime)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()


def logged_in(base: str, path: str, fields: dict[str, str]) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Accept-Language": "vi"})
    form = client.get(path).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post(path, data={**fields, "csrf_token": token})
    assert answer.status_code == 302, f"login at {path} refused: {answer.status_code}"
    return client


def http_figures(runtime: Runtime, report: Report, runs: int, found: dict[str, str]) -> None:
    with served(runtime) as base:
        for username in (DESK, LEADER):
            officer = logged_in(base, "/officer/login", {"username": username, "password": DEMO_PASSWORD})
            for view in inbox.VIEWS:

                def page(view=view, officer=officer):
                    answer = officer.get("/officer/", params={"view": view})
                    assert answer.status_code == 200, answer.status_code

                p50, p95 = timed(page, runs)
                report.add("http", f"{username}: /officer/?view={view}", p50, p95, GOAL_HTTP_MS)

            def counts(officer=officer):
                assert officer.get("/officer/counts.json").status_code == 200

            p50, p95 = timed(counts, runs)
            report.add("http", f"{username}: /officer/counts.json", p50, p95, GOAL_HTTP_MS)
            for label, query in [("common family name", "nguyen"), ("whole name", found["name"])]:

                def find(query=query, officer=officer):
                    assert officer.get("/officer/search", params={"q": query}).status_code == 200

                p50, p95 = timed(find, runs)
                report.add("http", f"{username}: search, {label}", p50, p95, GOAL_HTTP_MS)
        applicant = logged_in(base, "/login", {"identifier": APPLICANT["citizen_id"], "password": DEMO_PASSWORD})

        def mine():
            assert applicant.get("/dossiers").status_code == 200

        p50, p95 = timed(mine, runs)
        report.add("http", "applicant: /dossiers", p50, p95, GOAL_HTTP_MS)
        public = httpx.Client(base_url=base)

        def track():
            form = public.get("/track").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            answer = public.post(
                "/track", data={"code": found["code"], "id_number": found["id_number"], "csrf_token": token}
            )
            assert answer.status_code == 200, answer.status_code

        p50, p95 = timed(track, runs)
        report.add("http", "tracking: /track (form, then code + ID)", p50, p95, GOAL_HTTP_MS)


# --- the database --------------------------------------------------------------------------------


@contextmanager
def database(base_url: str, count: int, keep: bool):
    """A scratch database dropped afterwards, or (--keep) one named for the size, kept and reused."""
    if not keep:
        with scratch_database(base_url) as url:
            yield url, False
        return
    name = f"motcua_inbox_scale_{count}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    probe = create_engine(url)
    with probe.connect() as conn:
        loaded = conn.scalar(text("SELECT to_regclass('dossiers') IS NOT NULL")) and conn.scalar(
            text("SELECT count(*) >= :n FROM dossiers WHERE code LIKE 'BENCH-%'"), {"n": count}
        )
    probe.dispose()
    yield url, bool(loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database and reuse it next time")
    parser.add_argument("--runs", type=int, default=40, help="timed runs per query (after 2 warm-up runs)")
    parser.add_argument("--explain", action="store_true", help="print each view's plan (EXPLAIN ANALYZE)")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--summary", help="write the P2 figures for bench/report.py to this JSON file")
    args = parser.parse_args()
    with database(args.postgres_url, args.dossiers, args.keep) as (url, loaded):
        runtime = Runtime.create(Settings(database_url=url), ManualClock(NOW))
        try:
            if loaded:
                runtime.upgrade_database()  # a database kept by an older run gets the new indexes
                print(f"reusing {make_url(url).database}", flush=True)
            else:
                print(f"loading {args.dossiers:,} dossiers into {make_url(url).database}", flush=True)
                load(runtime, args.dossiers)
            with runtime.db.read() as session:
                sizes = session.execute(
                    text("SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM human_tasks)")
                ).one()
            print(f"{sizes[0]:,} dossiers, {sizes[1]:,} task rows; p50/p95 of {args.runs} runs per line", flush=True)
            report = Report()
            found = engine_figures(runtime, report, args.runs, args.explain)
            if not args.no_http:
                http_figures(runtime, report, args.runs, found)
            report.summary()
            summary.write(args.summary, report.summary_rows(sizes[0]))
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
