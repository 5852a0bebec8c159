"""Demo data for `make run`: officers in every role, and dossiers left at different steps (P02 at
every kind of place, each other procedure once)."""

from __future__ import annotations

from sqlalchemy import select, update

from engine.data.models import Account, Dossier
from engine.design.simulation import apply_step
from engine.people.accounts import hash_password
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from engine.workflow.catalogue import Catalogue

# username, full name, roles (in the office unit)
OFFICERS = [
    ("lan.motcua", "Nguyễn Thị Lan", ["desk"]),
    ("minh.motcua", "Trần Văn Minh", ["desk"]),
    ("hai.thu", "Lê Văn Hải", ["collection"]),
    ("thao.soth", "Võ Thị Thảo", ["books_cards"]),
    ("dung.chedo", "Huỳnh Văn Dũng", ["benefits"]),
    ("ngoc.giamdinh", "Bùi Thị Ngọc", ["hi_assessment"]),
    ("tuan.taichinh", "Đặng Minh Tuấn", ["finance"]),
    ("hoa.lanhdao", "Phạm Thị Hoa", ["leadership", "admin"]),
    ("an.thietke", "Nguyễn Văn An", ["designer"]),  # the designers' studio, /designer/
    ("bdc.thuhoi", "Trương Thị Hồi", ["agent"]),  # a post office collection point: /officer/counter/
    ("an.quanly", "Lê Thị Ân", ["manager"]),  # the office's figures only: /dashboard/
]

DEMO_PASSWORD = "demo1234"

# applicants with their own accounts; the demo's P02 dossiers are this person's
APPLICANT = {
    "full_name": "Nguyễn Văn Hùng",
    "citizen_id": "051085012345",
    "date_of_birth": "1985-03-14",
    "sex": "male",
    "phone": "0905123456",
    "email": "nguyenvanhung85@gmail.com",
}
ACCOUNTS = [
    ("individual", APPLICANT["citizen_id"], APPLICANT["full_name"], APPLICANT["phone"], APPLICANT["email"]),
    ("employer", "4300812345", "Công ty TNHH Thủy sản Sa Huỳnh", "0255371108", "ketoan@thuysansahuynh.vn"),
    ("medical_facility", "4300874216", "Phòng khám đa khoa Thiện Tâm", None, "phongkham.thientam@gmail.com"),
]

# declared P02 path, how many of its steps to take: dossiers waiting at different places
DOSSIERS = [
    ("happy", 0),  # new online dossier at the desk
    ("supplement_at_reception", 1),  # waiting for the applicant's papers
    ("sent_back", 3),  # sent back by leadership, at collection again
    ("post_delivery", 4),  # result shipped, waiting for the post
    ("happy", 2),  # waiting for leadership approval
    ("happy", None),  # finished, result returned
    ("refusal", None),  # refused at the desk
]


def seed_demo(runtime: Runtime, catalogue: Catalogue) -> list[tuple[str, str, list[str]]]:
    """Create the demo officers and accounts (always, password DEMO_PASSWORD) and dossiers (only
    into an empty database)."""
    officers: dict[str, Actor] = {}
    now = runtime.clock.now()
    # one hash for every demo login: the password is printed in the README anyway, and argon2 is
    # slow on purpose (a second a hash on a busy machine, thirteen logins)
    password_hash = hash_password(DEMO_PASSWORD)
    with runtime.db.write() as session:
        for kind, id_number, name, phone, email in ACCOUNTS:
            if session.scalars(select(Account).where(Account.id_number == id_number)).first() is None:
                session.add(
                    Account(
                        kind=kind,
                        id_number=id_number,
                        full_name=name,
                        phone=phone,
                        email=email,
                        password_hash=password_hash,
                        created_at=now,
                    )
                )
        for username, name, roles in OFFICERS:
            user = add_user(session, username, name)
            user.password_hash = user.password_hash or password_hash
            for role in roles:
                grant(session, user, role, runtime.settings.office_code)
                officers.setdefault(role, Actor.of(user))
        has_dossiers = session.scalar(select(Dossier.id).limit(1)) is not None
    if has_dossiers:
        return OFFICERS
    plan = [("P02", name, steps) for name, steps in DOSSIERS if "P02" in catalogue.procedures]
    # every other procedure: one dossier part-way along its main path, at a different step each
    for number, code in enumerate(c for c in sorted(catalogue.procedures) if c != "P02"):
        if "happy" in catalogue.procedures[code].meta.paths:
            plan.append((code, "happy", number % 3))
    for code, name, steps in plan:
        path = catalogue.procedures[code].meta.paths[name]
        start = {**path.start, **APPLICANT} if code == "P02" else path.start
        applicant = Actor.applicant(str(start.get("full_name") or start.get("organisation_name")))
        dossier = runtime.dossiers.start(code, start, applicant)
        for step in path.steps[:steps]:
            apply_step(runtime, None, dossier, step, officers)
    with runtime.db.write() as session:  # the accounts' own dossiers show under "my dossiers"
        for account in session.scalars(select(Account)):
            session.execute(
                update(Dossier)
                .where(Dossier.applicant_id_number == account.id_number, Dossier.account_id.is_(None))
                .values(account_id=account.id)
            )
    return OFFICERS
