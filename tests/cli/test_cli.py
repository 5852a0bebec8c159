"""The `motcua` command as an officer or a process designer uses it, run from the project folder on
a SQLite file of the test's own (MOTCUA_DATABASE_URL): in-process, and the real console script
where a test says `real=True` (it proves the installed entry point works)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine

from tests.cli.running import PROJECT, Ran, run_motcua
from tests.helpers import P02_APPLICATION

POSTGRES_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("MOTCUA_REQUIRE_POSTGRES") == "1"

P02_NAME_VI = "Đăng ký đóng bảo hiểm xã hội tự nguyện"
P02_NAME_EN = "Voluntary social-insurance registration"
P02_PATHS = list(yaml.safe_load((PROJECT / "workflows" / "P02.yaml").read_text("utf-8"))["paths"])

# username, full name, role: the officers of the office, added with `motcua users ...`
OFFICERS = [
    ("lan", "Nguyễn Thị Lan", "desk"),
    ("minh", "Trần Văn Minh", "desk"),
    ("thu", "Lê Văn Thu", "collection"),
    ("hoa", "Phạm Thị Hoa", "leadership"),
]


class Motcua:
    """Runs `motcua ARGS...` against one database."""

    real = False  # True: the console script in a process of its own, rather than in-process

    def __init__(self, database: Path):
        self.database = database
        self.env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite:///{database}"}

    def run(self, *args: str) -> Ran:
        return run_motcua(args, self.env, real=self.real)

    def ok(self, *args: str) -> str:
        """Run, expect success, return what it printed."""
        result = self.run(*args)
        assert result.returncode == 0, f"motcua {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        return result.stdout

    def fails(self, *args: str) -> str:
        """Run, expect exit status 1 with a message (not a traceback), return the message."""
        result = self.run(*args)
        assert result.returncode == 1, f"motcua {' '.join(args)} exited {result.returncode}:\n{result.stdout}"
        assert "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith("error: "), result.stderr
        return result.stderr

    # --- what an officer does, one command at a time --------------------------------------------

    def add_officers(self) -> None:
        for username, name, role in OFFICERS:
            assert self.ok("users", "add", username, "--name", name) == f"user {username} saved\n"
            assert self.ok("users", "grant", username, role) == f"{username} holds {role}\n"

    def start_p02(self) -> str:
        values = [arg for name, value in P02_APPLICATION.items() for arg in ("--set", f"{name}={value}")]
        code = self.ok("dossier", "start", "P02", *values).strip()
        assert re.fullmatch(r"BHXH\.QNI-\d{6}-\d{4}", code), code
        return code

    def open_tasks(self, dossier: str) -> dict[str, tuple[int, str]]:
        """element id -> (task id, the whole line) of the dossier's open tasks."""
        tasks = {}
        for line in self.ok("task", "list", "--dossier", dossier).splitlines():
            match = re.match(rf"#(\d+) {re.escape(dossier)} (\w+) \[\w+\] ", line)
            assert match, f"unexpected task line: {line!r}"
            tasks[match[2]] = (int(match[1]), line)
        return tasks

    def open_task(self, dossier: str, element: str) -> int:
        tasks = self.open_tasks(dossier)
        assert element in tasks, f"{dossier} has no open task {element}: {tasks}"
        return tasks[element][0]


@pytest.fixture
def motcua(tmp_path) -> Motcua:
    """`motcua` on a database file of this test's own, not created yet."""
    return Motcua(tmp_path / "motcua.db")


@pytest.fixture(scope="module")
def office_template(tmp_path_factory) -> Path:
    cli = Motcua(tmp_path_factory.mktemp("office") / "motcua.db")
    cli.ok("db", "upgrade")
    cli.add_officers()
    return cli.database


@pytest.fixture
def office(tmp_path, office_template) -> Motcua:
    """A database of this test's own with the officers of OFFICERS in the office."""
    database = tmp_path / "motcua.db"
    shutil.copy(office_template, database)
    return Motcua(database)


# --- catalogue and simulation ------------------------------------------------------------------


def test_db_upgrade_deploys_the_catalogue_and_procedures_list_shows_p02(motcua):
    motcua.real = True  # the installed console script, end to end
    upgraded = motcua.ok("db", "upgrade")
    assert re.search(r"^P02: v1 is live \(new; first version\)$", upgraded, re.M), upgraded
    assert f"database ready: sqlite:///{motcua.database}" in upgraded

    listing = motcua.ok("procedures", "list")
    [p02] = [line for line in listing.splitlines() if line.startswith("P02 ")]
    assert P02_NAME_VI in p02
    assert P02_NAME_EN in p02
    assert "5 working days" in p02


def test_procedures_validate_passes_on_the_real_catalogue(motcua):
    # Every declared path of every procedure runs in tests/engine/design/test_simulation.py (SQLite
    # and PostgreSQL); here the command checks the whole catalogue, and runs the paths of one.
    result = motcua.run("procedures", "validate", "--skip-paths")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert re.search(r"\d+ procedure\(s\) valid, 0 problem\(s\)", result.stdout), result.stdout

    with_paths = motcua.run("procedures", "validate", "bpmn/P02.bpmn")

    assert with_paths.returncode == 0, with_paths.stderr
    assert with_paths.stderr == ""
    assert with_paths.stdout == "1 procedure(s) valid, 0 problem(s)\n"


@pytest.mark.parametrize(
    "fixture, element, words",
    [
        ("user_task_without_lane", "desk_check", "user task is not in a lane"),
        ("path_unknown_task", "paths.approved.steps[0]", "no user task 'desk_checking'"),
    ],
)
def test_procedures_validate_reports_a_broken_draft(motcua, fixture, element, words):
    result = motcua.run("procedures", "validate", f"tests/fixtures/broken/{fixture}.bpmn")

    assert result.returncode != 0
    assert re.search(rf"^error: \S*{fixture}\.(bpmn|yaml): {re.escape(element)}: .*{words}", result.stderr, re.M), (
        result.stderr
    )
    assert "0 procedure(s) valid, 1 problem(s)" in result.stdout


def test_simulate_runs_every_path_of_p02(motcua):
    output = motcua.ok("simulate", "P02", "--all-paths")

    _assert_every_path_ended_as_expected(output)


def test_simulate_prints_the_amounts_a_path_expects(motcua):
    output = motcua.ok("simulate", "P08", "--path", "happy")

    # workflows/P08.yaml: 32 years for a man retiring on 2026-10-01: 45% + 2% x 12 = 69% of 9,850,000
    assert "  data    monthly_pension: 6,796,500\n" in output
    assert "  data    payout_amount: 6,796,500\n" in output
    assert "  ok: ended in status 10 Result returned with the data expected" in output
    assert output.splitlines()[-1] == "1 of 1 path(s) ended as expected"


@pytest.mark.postgres
def test_simulate_on_postgresql(motcua):
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 5})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as err:  # no server here
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {err}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)

    output = motcua.ok("simulate", "P02", "--all-paths", "--database-url", POSTGRES_URL)

    _assert_every_path_ended_as_expected(output)


def _assert_every_path_ended_as_expected(output: str) -> None:
    blocks = re.split(r"^(?=P02 \w+: )", output, flags=re.M)
    runs = {re.match(r"P02 (\w+): ", b)[1]: b for b in blocks if b.startswith("P02 ")}
    assert list(runs) == P02_PATHS
    for name, block in runs.items():
        assert re.search(r"^  ok: ended in status \d+ ", block, re.M), f"path {name}:\n{block}"
    assert output.splitlines()[-1] == f"{len(P02_PATHS)} of {len(P02_PATHS)} path(s) ended as expected"


# --- a dossier, step by step -------------------------------------------------------------------


def test_a_p02_dossier_from_submission_to_result(motcua):
    motcua.ok("db", "upgrade")
    for username, name, role in [
        ("lan", "Nguyễn Thị Lan", "desk"),
        ("thu", "Lê Văn Thu", "collection"),
        ("hoa", "Phạm Thị Hoa", "leadership"),
    ]:
        assert motcua.ok("users", "add", username, "--name", name) == f"user {username} saved\n"
        assert motcua.ok("users", "grant", username, role) == f"{username} holds {role}\n"
    code = motcua.start_p02()

    shown = motcua.ok("dossier", "show", code)
    assert shown.splitlines()[0] == f"{code}  P02  {P02_APPLICATION['full_name']}  status 1 Submitted online"

    # The desk checks and accepts the dossier.
    task = motcua.open_task(code, "reception_check")
    assert motcua.ok("task", "claim", str(task), "--as", "lan") == f"task #{task} claimed by lan\n"
    assert "claimed by Nguyễn Thị Lan" in motcua.open_tasks(code)["reception_check"][1]
    assert motcua.ok("task", "complete", str(task), "--as", "lan", "--set", "decision=accept") == (
        f"task #{task} completed\n"
    )

    # Collection reviews it and confirms the state support.
    task = motcua.open_task(code, "collect_review")
    motcua.ok("task", "claim", str(task), "--as", "thu")
    motcua.ok(
        "task",
        "complete",
        str(task),
        "--as",
        "thu",
        "--set",
        "household_category=poor",
        "--set",
        "monthly_income=1500000",
        "--set",
        "support_checked=true",
        "--set",
        "note=Có tên trong danh sách hộ nghèo",
        "--set",
        "decision=approve_request",
    )

    # Leadership approves; the result is sent electronically and the dossier is finished.
    task = motcua.open_task(code, "leader_approval")
    motcua.ok("task", "complete", str(task), "--as", "hoa", "--set", "decision=approve")

    assert motcua.open_tasks(code) == {}
    shown = motcua.ok("dossier", "show", code, "--raw").splitlines()
    assert shown[0] == f"{code}  P02  {P02_APPLICATION['full_name']}  status 10 Result returned"
    assert re.fullmatch(r"  received \d{4}-\d\d-\d\d, appointment \d{4}-\d\d-\d\d 17:00", shown[1]), shown[1]
    history = [re.sub(r"^  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", "", line) for line in shown[2:]]
    assert [line.split(" {")[0] for line in history] == [
        "Nguyễn Văn An: submitted",
        "Nguyễn Văn An: status_changed",
        "Nguyễn Thị Lan: task_claimed",
        "Nguyễn Thị Lan: task_completed",
        "Nguyễn Thị Lan: status_changed",
        "Nguyễn Thị Lan: status_changed",
        "system: appointment_set",
        "Lê Văn Thu: task_claimed",
        "Lê Văn Thu: task_completed",
        "Phạm Thị Hoa: task_completed",
        "Phạm Thị Hoa: status_changed",
        "Phạm Thị Hoa: status_changed",
        "Phạm Thị Hoa: finished",
    ], "\n".join(shown)
    statuses = [re.search(r'"new": (\d+)', line)[1] for line in history if "status_changed" in line]
    assert statuses == ["1", "2", "4", "9", "10"]
    assert 'task_completed {"task": "leader_approval"' in "\n".join(history)
    assert '"decision": "approve"' in "\n".join(history)

    # in words by default, as the officers' history page says it
    words = motcua.ok("dossier", "show", code)
    assert "Phạm Thị Hoa: Completed the task “Xem xét, ký duyệt kết quả”: Approve and sign\n" in words
    assert "Phạm Thị Hoa: Status changed to: Result returned\n" in words
    assert "task_completed" not in words


def test_dossier_show_gives_times_in_office_time(motcua):
    motcua.ok("db", "upgrade")
    code = motcua.start_p02()

    def submitted_hour(zone: str) -> int:
        motcua.env["MOTCUA_TIMEZONE"] = zone
        shown = motcua.ok("dossier", "show", code)
        return int(re.search(r"^  \d{4}-\d\d-\d\d (\d\d):\d\d:\d\d .*: Dossier submitted", shown, re.M)[1])

    assert submitted_hour("Asia/Tokyo") == (submitted_hour("Asia/Ho_Chi_Minh") + 2) % 24
    assert submitted_hour("UTC") == (submitted_hour("Asia/Ho_Chi_Minh") - 7) % 24


def test_a_bad_form_value_is_refused_naming_the_field_and_changes_nothing(office):
    code = office.start_p02()
    task = office.open_task(code, "reception_check")
    office.ok("task", "claim", str(task), "--as", "lan")
    before = office.ok("dossier", "show", code)

    message = office.fails("task", "complete", str(task), "--as", "lan", "--set", "decision=maybe")

    assert message.startswith("error: decision: ")
    assert "accept" in message  # says what it may be
    still_open = office.open_tasks(code)["reception_check"]
    assert still_open[0] == task
    assert "claimed by Nguyễn Thị Lan" in still_open[1]
    assert office.ok("dossier", "show", code) == before


def test_an_officer_without_the_role_is_refused(office):
    code = office.start_p02()
    task = office.open_task(code, "reception_check")

    for action in (["claim"], ["complete", "--set", "decision=accept"]):
        message = office.fails("task", action[0], str(task), "--as", "thu", *action[1:])
        assert message == "error: Lê Văn Thu does not hold the role 'desk' in unit BHXH.QNI\n"

    assert "claimed by" not in office.open_tasks(code)["reception_check"][1]
    assert "status 1 " in office.ok("dossier", "show", code).splitlines()[0]


def test_completing_a_completed_task_says_who_completed_it(office):
    code = office.start_p02()
    task = office.open_task(code, "reception_check")
    office.ok("task", "complete", str(task), "--as", "lan", "--set", "decision=accept")

    message = office.fails("task", "complete", str(task), "--as", "minh", "--set", "decision=accept")

    assert re.fullmatch(
        r"error: Task 'Kiểm tra thành phần hồ sơ' was already completed by Nguyễn Thị Lan "
        r"at \d\d/\d\d/\d{4} \d\d:\d\d\n",  # in office time
        message,
    ), message
    assert "Trần Văn Minh" not in office.ok("dossier", "show", code)


def test_completing_a_completed_task_with_a_stale_form_says_who_completed_it(office):
    code = office.start_p02()
    task = office.open_task(code, "reception_check")
    office.ok("task", "complete", str(task), "--as", "lan", "--set", "decision=accept")

    # Minh submits the form he opened before Lan finished, still empty.
    message = office.fails("task", "complete", str(task), "--as", "minh")

    assert "already completed by Nguyễn Thị Lan" in message


def test_serve_refuses_to_start_in_production_on_development_settings(motcua):
    motcua.ok("db", "upgrade")
    motcua.env["MOTCUA_ENV"] = "production"
    # the console script's own exit status and message for a refusal; and were it to start
    # serving, a process of its own is stopped by the timeout
    motcua.real = True
    result = motcua.run("serve", "--port", "0")
    message = result.stderr
    assert result.returncode == 1 and "refusing to start in production" in message
    assert "MOTCUA_POST_SECRET" in message and "MOTCUA_PUBLIC_URL" in message


def test_a_message_before_its_step_is_kept_when_asked_and_the_command_says_which(office):
    values = {**P02_APPLICATION, "result_channel": "post", "delivery_address": "12 Lê Lợi, Quảng Ngãi"}
    code = office.ok("dossier", "start", "P02", *[a for k, v in values.items() for a in ("--set", f"{k}={v}")]).strip()
    for element, who, data in [
        ("reception_check", "lan", ["decision=accept"]),
        (
            "collect_review",
            "thu",
            ["household_category=poor", "monthly_income=1500000", "support_checked=true", "decision=approve_request"],
        ),
        ("leader_approval", "hoa", ["decision=approve"]),
    ]:
        office.ok("task", "complete", str(office.open_task(code, element)), "--as", who, *[f"--set={d}" for d in data])
    dispatch = office.open_task(code, "postal_dispatch")

    # as before, a message the dossier does not wait for is refused...
    refused = office.fails("dossier", "message", code, "postal_delivered")
    assert refused == f"error: Dossier {code} is not waiting for the message 'postal_delivered'\n"
    # ...unless it is to be kept until the dossier gets there, as the post's and the bank's news are
    kept = office.ok("dossier", "message", code, "postal_delivered", "--keep-if-early", "--json", '{"waybill": "EB1"}')
    assert kept == f"postal_delivered kept for {code} until the dossier reaches the step that waits for it\n"
    assert office.open_tasks(code) == {"postal_dispatch": office.open_tasks(code)["postal_dispatch"]}

    office.ok("task", "complete", str(dispatch), "--as", "lan", "--set", "waybill=EB1")

    shown = office.ok("dossier", "show", code)
    assert shown.splitlines()[0].endswith("status 10 Result returned")
    assert "system: Received the post office: delivered before the step that waits for it" in shown
    assert "system: Acted on the post office: delivered (received " in shown
    # the dossier has ended: nothing will wait for the post again, so nothing is kept
    again = office.fails("dossier", "message", code, "postal_delivered", "--keep-if-early")
    assert again == f"error: Dossier {code} is not waiting for the message 'postal_delivered'\n"
