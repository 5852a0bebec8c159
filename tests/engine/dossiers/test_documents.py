"""Documents: the type is found from the content, too-large and empty files are refused, and a
document is stored only together with the step that brings it."""

from __future__ import annotations

import zlib

import pytest
from sqlalchemy import select

from engine.data.models import Document
from engine.dossiers.documents import MAX_INFLATED, BadDocument, check_upload, content_of
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


@pytest.mark.parametrize(
    "name, content, stored",
    [
        ("poly.html", PDF, "poly.pdf"),  # an HTML/PDF polyglot is kept as what it is: a PDF
        ("scan", PDF, "scan.pdf"),
        ("Tờ khai.PDF", PDF, "Tờ khai.PDF"),
        ("anh.jpeg", JPEG, "anh.jpeg"),
        ("anh.pdf", JPEG, "anh.jpg"),
        ("page.png.exe", PNG, "page.png.png"),
        ("bell\x07.pdf", PDF, "bell.pdf"),
    ],
)
def test_the_stored_name_ends_with_the_extension_of_the_detected_type(name, content, stored):
    assert check_upload("tk1_ts", name, content).filename == stored


def _pdf_with_stream(data: bytes) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Length "
        + str(len(data)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + data
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def test_a_pdf_whose_streams_inflate_past_the_limit_is_refused():
    """A decompression bomb: under 2 MB that inflates to 400 MB (the limit is MAX_INFLATED, 300 MB)."""
    compressor, zeros = zlib.compressobj(1), b"\0" * (4 << 20)
    bomb = b"".join([compressor.compress(zeros) for _ in range(100)] + [compressor.flush()])
    assert len(bomb) < 2 * 1024 * 1024 and MAX_INFLATED < 400 << 20
    with pytest.raises(BadDocument) as refused:
        check_upload("tk1_ts", "to-khai.pdf", _pdf_with_stream(bomb))
    assert "300 MB" in refused.value.message.en


def test_a_pdf_with_ordinary_compressed_pages_is_kept():
    page = zlib.compress(b"BT /F1 12 Tf 72 720 Td (To khai tham gia BHXH) Tj ET\n" * 5000)
    assert check_upload("tk1_ts", "to-khai.pdf", _pdf_with_stream(page) * 3).content_type == "application/pdf"


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
