"""Reading diagrams and decision tables safely: bounded in size, no DTD, no entities, no network.

Everything the product parses as BPMN or DMN (files in bpmn/, drafts, uploads, stored versions)
comes through here. A document is refused, with the line where it went wrong, when it is larger
than the configured limit (checked before a byte is parsed, so a huge file costs nothing), when
it declares a DOCTYPE (the door to entity expansion and external entities: no diagram needs one),
or when it is not well-formed. SpiffWorkflow's own parser then only ever sees the tree parsed here.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from engine.config import Settings


class XMLRefused(ValueError):
    """A diagram or table the product will not read; `line` is where, when known."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line

    @property
    def where(self) -> str:
        return f"line {self.line}" if self.line else ""

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" if self.line else self.reason


def max_bytes() -> int:
    """The configured limit (MOTCUA_MAX_DIAGRAM_BYTES); read when asked, so the loaders that take
    no settings (the catalogue's) still honour what the office set."""
    return Settings.from_env().max_diagram_bytes


def _parser() -> etree.XMLParser:
    # a fresh parser per document: lxml parsers keep state and are not shared between threads
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,  # comments and processing instructions mean nothing to the engine
        remove_pis=True,
    )


def _size_text(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} KB"


def check_size(size: int, limit: int | None = None, what: str = "a diagram or decision table") -> None:
    limit = max_bytes() if limit is None else limit
    if size > limit:
        raise XMLRefused(
            f"the file is {_size_text(size)}; {what} may have at most {_size_text(limit)} (MOTCUA_MAX_DIAGRAM_BYTES)"
        )


def read_text(path: Path, limit: int | None = None) -> str:
    """A diagram file's text, refused by its size before it is read."""
    try:
        check_size(path.stat().st_size, limit)
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise XMLRefused(f"cannot read the file: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise XMLRefused(f"the file is not UTF-8 text (byte {err.start})") from err


# the prolog: what may come before the root element (declaration, comments, PIs, white space)
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def _doctype_line(data: bytes) -> int | None:
    """The line of a DOCTYPE in the prolog, if there is one (a DOCTYPE may stand nowhere else)."""
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        match = _PROLOG_ITEM.match(data, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
    if data.startswith(b"<!DOCTYPE", pos) or data.startswith(b"<!ENTITY", pos):
        return data.count(b"\n", 0, pos) + 1
    return None


DOCTYPE_REFUSED = (
    "the document declares a DOCTYPE; diagrams and decision tables may not "
    "(no DTDs or entities are read, so nothing outside the file is loaded or expanded)"
)


def parse(data: bytes | str, limit: int | None = None, sized: bool = True) -> etree._Element:
    """The root element of a diagram or decision table, or XMLRefused saying why and where;
    `sized=False` for text whose size was checked where it came in (a stored version)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if sized:
        check_size(len(data), limit)
    line = _doctype_line(data)
    if line is not None:
        raise XMLRefused(DOCTYPE_REFUSED, line)
    if not data.strip():
        raise XMLRefused("the file is empty")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        reason = re.sub(r", line \d+, column \d+$", "", err.msg or "")  # the line is said once, in front
        raise XMLRefused(f"not well-formed XML: {reason}", err.lineno) from err
    # a DOCTYPE the prolog scan could not see (a document in another encoding) is refused all the same
    if root.getroottree().docinfo.doctype:
        raise XMLRefused(DOCTYPE_REFUSED, 1)
    return root
