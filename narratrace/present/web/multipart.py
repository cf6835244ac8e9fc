"""``multipart/form-data`` bodies: what an HTML form with a file input, or ``curl -F file=@x.jsonl``, sends.

Parsed with the standard library's MIME parser (the bytes of each part come back exactly as sent). The write
guard reads a browser form's CSRF token from one and leaves the parts in the request scope, so the upload
route that then takes the file does not parse the body a second time.
"""
from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

MULTIPART = "multipart/form-data"
#: where the guard leaves the parsed parts of a multipart body it read
PARTS_SCOPE_KEY = "narratrace.multipart"


@dataclass(frozen=True)
class Part:
    """One field of a form: a text value (``filename`` None) or a file."""

    name: str
    filename: str | None
    content_type: str
    data: bytes

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", "replace")


def parse_multipart(body: bytes, content_type_header: str) -> list[Part]:
    """The named parts of a ``multipart/form-data`` body, in order; [] when it is not one (no boundary)."""
    if "boundary=" not in content_type_header.lower():
        return []
    head = b"Content-Type: " + content_type_header.encode("latin-1", "replace") + b"\r\nMIME-Version: 1.0\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        return []
    parts = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            continue
        payload = part.get_payload(decode=True)
        parts.append(Part(name, part.get_filename(), part.get_content_type(),
                          payload if isinstance(payload, bytes) else b""))
    return parts


def form_fields(parts: list[Part]) -> dict[str, str]:
    """The text fields of a form (not its files); a field given twice keeps its last value."""
    return {p.name: p.text for p in parts if p.filename is None}


def parts_of(scope: MutableMapping[str, Any], body: bytes, content_type_header: str) -> list[Part]:
    """The parts the guard parsed for this request, else ``body`` parsed now."""
    found = scope.get(PARTS_SCOPE_KEY)
    return list(found) if found is not None else parse_multipart(body, content_type_header)
