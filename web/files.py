"""Documents handed back to the people allowed to see them: always as a download (never shown by
the browser as a page), its type as detected on upload, and never kept by a cache on the way."""

from __future__ import annotations

from io import BytesIO

from flask import Response, send_file


def download(filename: str, content_type: str, content: bytes) -> Response:
    response = send_file(BytesIO(content), mimetype=content_type, as_attachment=True, download_name=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"  # personal data: no shared cache keeps it
    return response


def xml_download(filename: str, text: str) -> tuple[str, int, dict[str, str]]:
    """A diagram or decision table as a download, never a page: the text is a designer's or an
    upload's, and XML could carry markup a browser would run."""
    return (
        text,
        200,
        {"Content-Type": "application/xml; charset=utf-8", "Content-Disposition": f'attachment; filename="{filename}"'},
    )
