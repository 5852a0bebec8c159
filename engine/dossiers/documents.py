"""Documents of a dossier: checked on the way in (type by content, size), stored with the step that
brings them, read back only by those allowed to see the dossier (the web layer checks who)."""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from datetime import datetime

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.db import insert_later
from engine.data.models import Document
from engine.errors import EngineError, not_found

# What applicants may upload, found from the first bytes of the file, never from its name; the
# stored name ends with the type's extension (a PDF sent as "x.html" is kept as "x.pdf")
ALLOWED_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
EXTENSIONS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
MAX_BYTES = 10 * 1024 * 1024
# what a file handed in at the counter stands for: a paper scanned there, a result of an earlier
# dossier used again, or a paper kept on paper only (the file is a reference copy)
PAPER_FLAGS = ("digitized", "reused", "paper_only")
# what the compressed streams of a PDF may inflate to: a scan of many colour pages stays well under
# it, a "zip bomb" (1 MB that inflates to 1 GiB) does not
MAX_INFLATED = 300 * 1024 * 1024
_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")


class BadDocument(EngineError):
    """An upload that cannot be kept: wrong type, empty or too large."""


@dataclass(frozen=True)
class NewDocument:
    doc_type: str  # the procedure's document id, or "supplement"
    filename: str
    content: bytes
    content_type: str  # found by check_upload()
    paper: str | None = None  # at the counter: digitized | reused | paper_only (PAPER_FLAGS)


def check_upload(doc_type: str, filename: str, content: bytes, max_bytes: int = MAX_BYTES) -> NewDocument:
    """Refuse what is not a PDF, JPEG or PNG by its content, empty files and files over the limit."""
    name = _clean_name(filename)
    if not content:
        raise BadDocument(f"Tệp '{name}' rỗng", f"The file '{name}' is empty")
    if len(content) > max_bytes:
        limit = max_bytes // (1024 * 1024)
        raise BadDocument(f"Tệp '{name}' lớn hơn {limit} MB", f"The file '{name}' is larger than {limit} MB")
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise BadDocument(
            f"Tệp '{name}' không phải PDF, JPEG hoặc PNG", f"The file '{name}' is not a PDF, JPEG or PNG file"
        )
    if kind.mime == "application/pdf" and _inflates_beyond(content, MAX_INFLATED):
        limit = MAX_INFLATED // (1024 * 1024)
        raise BadDocument(
            f"Tệp '{name}' chứa dữ liệu nén bung ra hơn {limit} MB; hãy lưu lại tệp PDF rồi gửi lại",
            f"The file '{name}' holds compressed data that inflates to more than {limit} MB; save the PDF again "
            "and send it again",
        )
    return NewDocument(doc_type, _with_extension(name, kind.mime), content, kind.mime)


def _clean_name(filename: str | None) -> str:
    """The file's own name without folders or control characters, at most 255 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "document"


def _with_extension(name: str, mime: str) -> str:
    """The name ending with an extension of the detected type: what it claims to be is what it is."""
    extensions = EXTENSIONS[mime]
    stem, dot, ext = name.rpartition(".")
    if dot and f".{ext.lower()}" in extensions:
        return name
    base = stem if dot and stem else name
    return base[: 255 - len(extensions[0])] + extensions[0]


def _inflates_beyond(pdf: bytes, limit: int) -> bool:
    """Whether the zlib (Flate) streams of a PDF inflate to more than `limit` bytes in all. Each is
    inflated piecewise and thrown away, never held whole; streams that are not Flate (JPEG images,
    ...) are skipped."""
    total = 0
    for start in _STREAM_START.finditer(pdf):
        end = pdf.find(b"endstream", start.end())
        if end < 0:
            break
        inflater, data = zlib.decompressobj(), pdf[start.end() : end]
        try:
            while data and total <= limit:
                total += len(inflater.decompress(data, 1024 * 1024))
                data = inflater.unconsumed_tail
        except zlib.error:
            continue
        if total > limit:
            return True
    return False


def attach(
    session: Session,
    dossier_id: int,
    documents: list[NewDocument] | tuple[NewDocument, ...],
    by: str,
    now: datetime,
    round: int = 0,
) -> list[dict[str, str]]:
    """Store documents with the current transaction; returns what the dossier's history records."""
    listed = []
    for doc in documents:
        insert_later(
            session,
            Document,
            dossier_id=dossier_id,
            doc_type=doc.doc_type,
            filename=doc.filename,
            content_type=doc.content_type,
            size=len(doc.content),
            sha256=hashlib.sha256(doc.content).hexdigest(),
            content=doc.content,
            uploaded_at=now,
            uploaded_by=by,
            round=round,
            paper=doc.paper,
        )
        listed.append({"type": doc.doc_type, "filename": doc.filename, **({"paper": doc.paper} if doc.paper else {})})
    return listed


def of_dossier(session: Session, dossier_id: int) -> list[Document]:
    """The dossier's documents (without their content), in the order they came."""
    return list(session.scalars(select(Document).where(Document.dossier_id == dossier_id).order_by(Document.id)))


def next_round(session: Session, dossier_id: int) -> int:
    rounds = session.scalars(select(Document.round).where(Document.dossier_id == dossier_id)).all()
    return max(rounds, default=0) + 1


def content_of(session: Session, dossier_id: int, document_id: int) -> tuple[Document, bytes]:
    """One document and its bytes, only if it belongs to that dossier (so an id changed in a URL
    cannot reach another dossier's papers)."""
    doc = session.scalars(
        select(Document).where(Document.id == document_id, Document.dossier_id == dossier_id)
    ).one_or_none()
    if doc is None:
        raise not_found("document", document_id)
    return doc, doc.content
