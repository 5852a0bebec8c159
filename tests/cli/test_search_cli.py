"""`motcua dossier search TEXT --as USER`: the officers' search from the command line."""

from __future__ import annotations

from tests.cli.test_cli import Motcua
from tests.helpers import P02_APPLICATION


def test_an_officer_searches_their_units_dossiers_by_name_id_and_code(tmp_path):
    motcua = Motcua(tmp_path / "motcua.db")
    motcua.ok("db", "upgrade")
    motcua.ok("users", "add", "lan", "--name", "Nguyễn Thị Lan")
    motcua.ok("users", "grant", "lan", "desk")
    motcua.ok("users", "add", "an", "--name", "Trần Văn An")  # holds no role anywhere
    values = [arg for name, value in P02_APPLICATION.items() for arg in ("--set", f"{name}={value}")]
    code = motcua.ok("dossier", "start", "P02", *values, "--set", "full_name=Nguyễn Văn Hùng").strip()

    found = motcua.ok("dossier", "search", "nguyen van hung", "--as", "lan")
    first, last = found.splitlines()
    assert first.startswith(f"{code}  P02  Nguyễn Văn Hùng ({P02_APPLICATION['citizen_id']})  status 1 ")
    assert "step: " in first and last == "1 found; page 1 of 1"
    assert motcua.ok("dossier", "search", P02_APPLICATION["citizen_id"], "--as", "lan").startswith(code)
    assert motcua.ok("dossier", "search", code.rsplit("-", 1)[1], "--as", "lan").startswith(code)
    assert motcua.ok("dossier", "search", "nguyen van hung", "--as", "an") == "0 found; page 1 of 1\n"
    assert motcua.fails("dossier", "search", "hu", "--as", "lan") == "error: Type at least 3 letters or digits\n"
    assert motcua.fails("dossier", "search", "hung", "--as", "nobody") == "error: No user 'nobody'\n"
