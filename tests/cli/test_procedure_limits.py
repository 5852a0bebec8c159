"""`motcua procedures list` shows each limit with its unit, its source, the law's limit where the
office keeps a stricter one, and the limits that depend on the application (issue 13)."""

from __future__ import annotations

from tests.cli.test_cli import Motcua


def test_procedures_list_shows_units_sources_legal_limits_and_cases(tmp_path):
    result = Motcua(tmp_path / "motcua.db").run("procedures", "list")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("P")}

    assert "| 20 days not counting public holidays and Tết (Luật BHXH 41/2024 Điều 79 khoản 3" in lines["P08"]
    assert "| 5 working days (Luật BHXH 41/2024 Điều 29 khoản 2) |" in lines["P05"]
    assert "| 10 calendar days (Luật ATVSLĐ 84/2015 Điều 59 khoản 2) |" in lines["P13"]
    assert (
        "| 5 working days (the office's; the law's: 10 working days, Luật BHYT 25/2008 (sửa đổi) Điều 17 khoản 2) |"
        in lines["P03"]
    )
    assert "3 working days (the office's; the law's: 5 working days, Luật BHXH 41/2024 Điều 82 khoản 2" in lines["P18"]
    # limits by application: each case in words in both languages, never the condition
    assert (
        "| 7 working days [the employer files it / đơn vị sử dụng lao động nộp hồ sơ] (Luật BHXH 41/2024 Điều 62 "
        "khoản 3); 5 working days [the worker files it themselves / người lao động tự nộp hồ sơ] (Luật BHXH 41/2024 "
        "Điều 62 khoản 3) |" in lines["P11"]
    )
    assert (
        "; 10 calendar days [after a work accident or occupational disease / sau tai nạn lao động, bệnh nghề "
        "nghiệp] (Luật ATVSLĐ 84/2015 Điều 60 khoản 2) |" in lines["P12"]
    )
    assert "submitted_by" not in result.stdout and "after_regime" not in result.stdout
    # sources as checked against the texts
    assert "| 5 working days (Luật BHXH 41/2024 Điều 28 khoản 4) |" in lines["P04"]
    assert "Điều 141" not in lines["P18"] and "5 working days (Law 41/2024/QH15 art. 97(2))" in lines["P27"]


def test_calendar_deadline_counts_days_not_counting_tet(tmp_path):
    motcua = Motcua(tmp_path / "motcua.db")
    motcua.ok("db", "upgrade")
    args = ("calendar", "deadline", "--from", "2027-01-25 09:00", "--days", "20")
    # 20 days from 25 January 2027 skipping Tết (4-10 February): Sunday 21 -> Monday 22 February
    assert motcua.ok(*args, "--no-holidays").strip() == "2027-02-22 17:00"
    assert motcua.ok(*args, "--calendar-days").strip() == "2027-02-15 17:00"  # Sunday 14 -> Monday 15
