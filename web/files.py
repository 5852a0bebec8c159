"""Documents handed back to the people allowed to see them: as a download, its type as detected on
upload, and never kept by a cache on the way. PDFs and images may also be shown inline (the task
page's preview): only those types, framed only by the site's own pages, running nothing else."""

from __future__ import annotations

from io import BytesIO

from flask import Response, send_file


def download(filename: str, content_type: str, content: bytes) -> Response:
    response = send_file(BytesIO(content), mimetype=content_type, as_attachment=True, download_name=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"  # personal data: no shared cache keeps it
    return response


# what the task page previews (types check_upload detected from the content, not the file name)
PREVIEWABLE = frozenset({"application/pdf", "image/jpeg", "image/png"})
# the preview may be framed by the site's own pages only; it loads nothing else (the browser's PDF
# viewer is an object of the document itself)
PREVIEW_POLICY = "default-src 'none'; object-src 'self'; img-src 'self'; frame-ancestors 'self'; base-uri 'none'"


def preview(filename: str, content_type: str, content: bytes) -> Response:
    if content_type not in PREVIEWABLE:
        raise ValueError(f"{content_type} is not shown inline")
    response = send_file(BytesIO(content), mimetype=content_type, as_attachment=False, download_name=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def xml_download(filename: str, text: str) -> tuple[str, int, dict[str, str]]:
    """A diagram or decision table as a download, never a page: the text is a designer's or an
    upload's, and XML could carry markup a browser would run."""
    return (
        text,
        200,
        {"Content-Type": "application/xml; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"'},
    )
