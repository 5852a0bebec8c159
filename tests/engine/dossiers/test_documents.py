"""Documents: the type is found from the content, too-large and empty files are refused, and a
document is stored only together with the step that brings it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.data.models import Document
from engine.dossiers.documents import BadDocument, check_upload, content_of
from engine.errors import NotWaitingForMessage
from engine.forms import FormError
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, do_task, open_task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20


@pytest.mark.parametrize("content, mime", [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_the_type_comes_from_the_content(content, mime):
    assert check_upload("tk1_ts", "scan.bin", content).content_type == mime


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("to-khai.pdf", b"just some text, named .pdf", "không phải PDF, JPEG hoặc PNG"),
        ("script.png", b"#!/bin/sh\nrm -rf /\n", "không phải PDF, JPEG hoặc PNG"),
        ("empty.pdf", b"", "rỗng"),
        ("big.pdf", PDF + b"0" * 2048, "lớn hơn"),
    ],
)
def test_what_cannot_be_kept_is_refused_with_a_reason(name, content, says):
    with pytest.raises(BadDocument) as error:
        check_upload("tk1_ts", name, content, max_bytes=1024 * 1024 if name != "big.pdf" else 1024)
    assert says in error.value.message.vi


def test_a_path_in_the_file_name_is_dropped():
    assert check_upload("tk1_ts", "C:\\Users\\mai\\..\\to-khai.pdf", PDF).filename == "to-khai.pdf"


def test_documents_are_stored_with_the_dossier(runtime):
    doc = check_upload("tk1_ts", "to-khai.pdf", PDF)
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Nguyễn Văn An"), documents=[doc])
    with runtime.db.read() as session:
        stored = session.scalars(select(Document)).one()
        assert (stored.filename, stored.content_type, stored.size, stored.round) == (
            "to-khai.pdf",
            "application/pdf",
            len(PDF),
            0,
        )
        assert content_of(session, stored.dossier_id, stored.id)[1] == PDF
    assert runtime.dossiers.history(code)[0].data["documents"] == [{"type": "tk1_ts", "filename": "to-khai.pdf"}]


def test_a_refused_application_keeps_none_of_its_documents(runtime):
    with pytest.raises(FormError):
        runtime.dossiers.start(
            "P02",
            {**P02_APPLICATION, "citizen_id": "12"},
            Actor.applicant("X"),
            documents=[check_upload("tk1_ts", "to-khai.pdf", PDF)],
        )
    with runtime.db.read() as session:
        assert session.scalars(select(Document)).first() is None


def test_supplement_papers_are_kept_only_if_the_dossier_waits_for_them(runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Nguyễn Văn An"))
    papers = [check_upload("supplement", "giay-chung-nhan.png", PNG)]
    with pytest.raises(NotWaitingForMessage):
        runtime.dossiers.deliver_message(code, "supplement_received", {}, Actor.applicant("An"), documents=papers)
    with runtime.db.read() as session:
        assert session.scalars(select(Document)).first() is None
    do_task(
        runtime, office, code, "reception_check", decision="supplement", missing_documents="Giấy chứng nhận hộ nghèo"
    )
    runtime.dossiers.deliver_message(code, "supplement_received", {}, Actor.applicant("An"), documents=papers)
    with runtime.db.read() as session:
        stored = session.scalars(select(Document)).one()
        assert (stored.doc_type, stored.round) == ("supplement", 1)
    assert open_task(runtime, code, "reception_recheck")  # back at the desk
    received = [e for e in runtime.dossiers.history(code) if e.kind == "message_received"]
    assert received[-1].data["payload"]["documents"] == ["giay-chung-nhan.png"]
