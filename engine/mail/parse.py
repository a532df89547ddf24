"""A fetched message as the bundle the Email app's modules output.

Field names follow what Make users map from the Email app (`{{1.subject}}`,
`{{1.attachments[].data}}`, `attachments[].fileName` / `contentType` are seen in real exports);
the rest of the shape (`sender{name,email}`, recipients as `[{name,email}]`, `headers` keyed by
lower-case name, `text`, `html`, `uid`, `messageId`, `flags`) is unverified against Make and
chosen to read the way its other mail modules do. Attachments carry their bytes (`data`, a
buffer), so they map straight into an upload or `email:ActionSendEmail`'s attachments.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from engine.values import format_iso


def _people(message: Message, header: str) -> list[dict[str, str]]:
    values = [str(v) for v in message.get_all(header) or []]
    return [{"name": name, "email": address} for name, address in getaddresses(values)
            if address or name]


def _headers(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in message.items():
        key, text = name.lower(), str(value)
        if key in out:
            previous = out[key]
            out[key] = [*previous, text] if isinstance(previous, list) else [previous, text]
        else:
            out[key] = text
    return out


def _date(message: Message) -> str | None:
    raw = message.get("Date")
    if not raw:
        return None
    try:
        return format_iso(parsedate_to_datetime(str(raw)))
    except (TypeError, ValueError, IndexError):
        return None


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else content.decode("utf-8", "replace")


def attachments_of(message: EmailMessage, skip: set[int]) -> list[dict[str, Any]]:
    out = []
    for part in message.walk():
        if part.is_multipart() or id(part) in skip:
            continue
        disposition = (part.get_content_disposition() or "").lower()
        name = part.get_filename()
        cid = str(part.get("Content-ID") or "").strip().strip("<>")
        if not (name or disposition == "attachment" or cid):
            continue
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        out.append({"fileName": name or "attachment", "contentType": part.get_content_type(),
                    "size": len(data), "data": data, "cid": cid or None,
                    "disposition": disposition or "attachment"})
    return out


def email_bundle(raw: bytes, *, uid: int | None = None,
                 flags: list[str] | None = None) -> dict[str, Any]:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    senders = _people(message, "From")
    return {
        "uid": uid,
        "messageId": str(message.get("Message-ID") or "").strip() or None,
        "subject": str(message.get("Subject") or ""),
        "date": _date(message),
        "sender": senders[0] if senders else {"name": "", "email": ""},
        "to": _people(message, "To"),
        "cc": _people(message, "Cc"),
        "bcc": _people(message, "Bcc"),
        "replyTo": _people(message, "Reply-To"),
        "inReplyTo": str(message.get("In-Reply-To") or "").strip() or None,
        "headers": _headers(message),
        "text": _content(text_part) if text_part is not None else "",
        "html": _content(html_part) if html_part is not None else "",
        "attachments": attachments_of(message, {id(p) for p in (text_part, html_part) if p}),
        "flags": list(flags or []),
        "size": len(raw),
    }
