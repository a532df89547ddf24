"""Gmail's own IML functions, in Python (engine.apps.functions): the RFC 822 message
`users.messages.send` takes (base64url `raw`), Make's shape of a read message (`fromName`,
`fullTextBody`, `headers`, folders...), attachments, search queries, and Google's batch
requests (`multipart/mixed` of `application/http` parts), so a trigger reads many messages
in one request.

Every function tolerates missing arguments: app code calls them before `if` decides.
What no public source confirmed (shapes, defaults) is listed in README.md, "Unverified".
"""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import getaddresses, make_msgid
from typing import Any

from engine.errors import ModuleError
from engine.values import to_bool, to_date, to_number, to_text

SYSTEM_LABELS = {"INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT",
                 "CHAT"}
BATCH_BOUNDARY = "scenarist_batch"
BATCH_LIMIT = 100  # Google's limit of calls in one batch request


def _addresses(value: Any) -> list[str]:
    """Recipients as exports map them: strings, `{value}`/`{email}` items, or one string
    with commas."""
    items = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("value") or item.get("email") or item.get("address")
        text = to_text(item).strip()
        out.extend(a.strip() for a in text.split(",") if a.strip())
    return out


def _bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return to_text(value).encode("utf-8")


def _contents_html(contents: Any) -> tuple[str, list[tuple[str, bytes, str]]]:
    """Make's "collection" body (text and images, in order) as HTML, and its inline images
    (filename, data, content id)."""
    parts: list[str] = []
    images: list[tuple[str, bytes, str]] = []
    for item in contents if isinstance(contents, list) else []:
        if not isinstance(item, dict):
            continue
        text = to_text(item.get("text"))
        if text:
            parts.append("<p>" + html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")
                         + "</p>")
        image = item.get("image")
        if isinstance(image, dict) and image.get("data") not in (None, ""):
            name = to_text(image.get("filename")) or f"image{len(images) + 1}"
            cid = f"image{len(images) + 1}@scenarist"
            size = "".join(f' {k}="{int(to_number(image[k]) or 0)}"'
                           for k in ("width", "height") if image.get(k))
            parts.append(f'<p><img src="cid:{cid}" alt="{html.escape(name)}"{size}></p>')
            images.append((name, _bytes(image["data"]), cid))
    return "".join(parts), images


def mime_message(options: Any) -> str:
    """The base64url RFC 822 message for `users.messages.send`.

    `options`: to, cc, bcc, from, subject, html (or bodyType rawHtml/content, collection/
    contents), text, attachments [{filename|fileName, data, cid}], headers [{key, value}],
    inReplyTo, references."""
    opts = options if isinstance(options, dict) else {}
    message = EmailMessage(policy=SMTP)
    for header, key in (("To", "to"), ("Cc", "cc"), ("Bcc", "bcc")):
        found = _addresses(opts.get(key))
        if found:
            message[header] = ", ".join(found)
    if to_text(opts.get("from")).strip():
        message["From"] = to_text(opts["from"]).strip()
    message["Subject"] = to_text(opts.get("subject"))
    for key, header in (("inReplyTo", "In-Reply-To"), ("references", "References")):
        if to_text(opts.get(key)).strip():
            message[header] = to_text(opts[key]).strip()
    extra = opts.get("emailHeaders") or opts.get("headers")
    for pair in extra if isinstance(extra, list) else []:
        if isinstance(pair, dict) and to_text(pair.get("key")).strip():
            message[to_text(pair["key"]).strip()] = to_text(pair.get("value"))
    images: list[tuple[str, bytes, str]] = []
    if to_text(opts.get("bodyType")) == "collection":
        body, images = _contents_html(opts.get("contents"))
    else:
        body = to_text(opts.get("html") if opts.get("html") is not None else opts.get("content"))
    text = to_text(opts.get("text"))
    if text and not body:
        message.set_content(text)
    else:
        message.set_content(re.sub(r"<[^>]+>", "", body.replace("<br>", "\n")) or " ")
        message.add_alternative(body or " ", subtype="html")
    html_part = message.get_body(("html",))
    for name, data, cid in images:
        if html_part is not None:
            html_part.add_related(data, *_mime_type(name), filename=name, cid=f"<{cid}>",
                                  disposition="inline")  # shown in the body, not attached
    files = opts.get("attachments")
    for item in files if isinstance(files, list) else []:
        if not isinstance(item, dict) or item.get("data") is None:
            continue
        name = to_text(item.get("filename") or item.get("fileName")) or "attachment"
        maintype, subtype = _mime_type(name)
        cid = to_text(item.get("cid")).strip()
        if cid:
            message.add_attachment(_bytes(item["data"]), maintype, subtype, filename=name,
                                   cid=f"<{cid.strip('<>')}>")
        else:
            message.add_attachment(_bytes(item["data"]), maintype, subtype, filename=name)
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain="scenarist.local")
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii").rstrip("=")


def _mime_type(name: str) -> tuple[str, str]:
    import mimetypes

    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    maintype, _, subtype = guessed.partition("/")
    return maintype, subtype


def reply_options(thread: Any, options: Any) -> dict[str, Any]:
    """The send options of a reply to a thread's last message: its sender (or everyone,
    with `replyMode` all), `Re:` subject, In-Reply-To and References."""
    opts = dict(options) if isinstance(options, dict) else {}
    messages = thread.get("messages") if isinstance(thread, dict) else None
    last = messages[-1] if isinstance(messages, list) and messages else {}
    headers = _headers(last)
    mode = to_text(opts.get("replyMode")) or "sender"
    if mode != "custom":
        recipients = [headers.get("Reply-To") or headers.get("From", "")]
        cc: list[str] = []
        if mode == "all":
            recipients += [a for a in headers.get("To", "").split(",") if a.strip()]
            cc = [a for a in headers.get("Cc", "").split(",") if a.strip()]
        opts["to"] = [r.strip() for r in recipients if r.strip()]
        if cc:
            opts["cc"] = [c.strip() for c in cc]
    subject = headers.get("Subject", "")
    opts.setdefault("subject", subject if subject.lower().startswith("re:") else f"Re: {subject}")
    message_id = headers.get("Message-ID") or headers.get("Message-Id", "")
    if message_id:
        opts["inReplyTo"] = message_id
        opts["references"] = (headers.get("References", "") + " " + message_id).strip()
    return opts


def _headers(message: Any) -> dict[str, str]:
    payload = message.get("payload") if isinstance(message, dict) else None
    pairs = payload.get("headers") if isinstance(payload, dict) else None
    out: dict[str, str] = {}
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, dict) and pair.get("name") and pair["name"] not in out:
            out[str(pair["name"])] = to_text(pair.get("value"))
    return out


def _decode(data: Any) -> bytes:
    text = to_text(data)
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)) if text else b""


def _walk(part: Any) -> list[dict[str, Any]]:
    if not isinstance(part, dict):
        return []
    out = [part]
    for child in part.get("parts") or []:
        out.extend(_walk(child))
    return out


def _people(value: str) -> list[dict[str, str]]:
    return [{"name": name, "email": address} for name, address in getaddresses([value])
            if address]


def _folder(label: str) -> dict[str, str]:
    return {"id": label, "name": label.removeprefix("CATEGORY_").title()
            if label.startswith("CATEGORY_") else label}


def _is_attachment(part: dict[str, Any]) -> bool:
    return bool(part.get("filename")) and not to_text(part.get("mimeType")).startswith(
        "multipart/")


def _is_media(part: dict[str, Any]) -> bool:
    """An inline image or other media (a Content-ID, no disposition attachment)."""
    headers = {to_text(h.get("name")).lower(): to_text(h.get("value"))
               for h in part.get("headers") or [] if isinstance(h, dict)}
    return "content-id" in headers and not headers.get("content-disposition", "").lower(
    ).startswith("attachment")


def email_message(message: Any) -> dict[str, Any]:
    """A Gmail message resource (format full, metadata or raw) in Make's shape."""
    if not isinstance(message, dict):
        return {}
    headers = _headers(message)
    parts = _walk(message.get("payload"))
    text = "".join(_decode((p.get("body") or {}).get("data")).decode("utf-8", "replace")
                   for p in parts if p.get("mimeType") == "text/plain" and not p.get("filename"))
    html_body = "".join(_decode((p.get("body") or {}).get("data")).decode("utf-8", "replace")
                        for p in parts if p.get("mimeType") == "text/html"
                        and not p.get("filename"))
    sender = (_people(headers.get("From", "")) or [{"name": "", "email": ""}])[0]
    labels = [to_text(label) for label in message.get("labelIds") or []]
    millis = to_number(message.get("internalDate"))
    date = datetime.fromtimestamp(millis / 1000, UTC) if millis is not None else None
    files = [p for p in parts if _is_attachment(p)]
    out: dict[str, Any] = {
        "id": message.get("id"), "threadId": message.get("threadId"),
        "internalDate": date.isoformat().replace("+00:00", "Z") if date else None,
        "subject": headers.get("Subject", ""),
        "fromName": sender["name"], "fromEmail": sender["email"],
        "to": _people(headers.get("To", "")), "cc": _people(headers.get("Cc", "")),
        "bcc": _people(headers.get("Bcc", "")),
        "snippet": html.unescape(to_text(message.get("snippet"))),
        "fullTextBody": text, "htmlBody": html_body,
        "hasAttachment": any(not _is_media(p) for p in files),
        "hasMedia": any(_is_media(p) for p in files),
        "sysFolders": [_folder(lb) for lb in labels if lb in SYSTEM_LABELS],
        "categoryFolders": [_folder(lb) for lb in labels if lb.startswith("CATEGORY_")],
        "userLabelFolders": [_folder(lb) for lb in labels
                             if lb not in SYSTEM_LABELS and not lb.startswith("CATEGORY_")],
        "labelIds": labels, "headers": headers,
        "sizeEstimate": message.get("sizeEstimate"), "historyId": message.get("historyId"),
        "attachments": [_attachment(message, p) for p in files],
    }
    if message.get("raw"):
        out["raw"] = _decode(message["raw"])
    return out


def email_messages(messages: Any) -> list[dict[str, Any]]:
    return [email_message(m) for m in (messages if isinstance(messages, list) else [])
            if isinstance(m, dict)]


def _attachment(message: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    body = part.get("body") or {}
    return {"filename": part.get("filename"), "fileName": part.get("filename"),
            "mimeType": part.get("mimeType"), "fileSize": body.get("size"),
            "attachmentId": body.get("attachmentId"), "messageId": message.get("id"),
            "media": _is_media(part), "data": _decode(body["data"]) if body.get("data") else None}


def attachments(message: Any, include: Any = None, fetched: Any = None) -> list[dict[str, Any]]:
    """A message's attachments (`include`: attachment, media or both), with the data the
    batch of `attachments.get` fetched (in the same order as `attachment_calls`)."""
    wanted = include if isinstance(include, list) else (
        [include] if include else ["attachment", "media"])
    found = [a for a in email_message(message).get("attachments", [])
             if ("media" if a["media"] else "attachment") in wanted]
    data = list(fetched) if isinstance(fetched, list) else []
    for item in found:
        if item["data"] is None and item["attachmentId"] and data:
            answer = data.pop(0)
            item["data"] = _decode(answer.get("data")) if isinstance(answer, dict) else None
    return [{"filename": a["filename"], "fileName": a["filename"], "data": a["data"],
             "fileSize": a["fileSize"], "mimeType": a["mimeType"],
             "contentType": a["mimeType"]} for a in found]


def attachment_calls(message: Any, include: Any = None) -> list[str]:
    """The `attachments.get` paths for a message's attachments stored apart from it."""
    wanted = include if isinstance(include, list) else (
        [include] if include else ["attachment", "media"])
    return [f"/gmail/v1/users/me/messages/{a['messageId']}/attachments/{a['attachmentId']}"
            for a in email_message(message).get("attachments", [])
            if a["data"] is None and a["attachmentId"]
            and ("media" if a["media"] else "attachment") in wanted]


def message_calls(listing: Any, format_: Any = None) -> list[str]:
    """The `messages.get` paths for the messages a `messages.list` answer names."""
    items = listing.get("messages") if isinstance(listing, dict) else None
    fmt = to_text(format_) or "full"
    return [f"/gmail/v1/users/me/messages/{m['id']}?format={fmt}"
            for m in (items if isinstance(items, list) else [])[:BATCH_LIMIT]
            if isinstance(m, dict) and m.get("id")]


def message_ids(listing: Any) -> list[str]:
    items = listing.get("messages") if isinstance(listing, dict) else None
    return [to_text(m["id"]) for m in (items if isinstance(items, list) else [])
            if isinstance(m, dict) and m.get("id")]


def batch_body(paths: Any) -> str:
    """A Google batch request of GETs (`multipart/mixed; boundary=scenarist_batch`)."""
    lines = []
    for number, path in enumerate(paths if isinstance(paths, list) else [], start=1):
        lines += [f"--{BATCH_BOUNDARY}", "Content-Type: application/http",
                  f"Content-ID: <item{number}>", "", f"GET {to_text(path)}", ""]
    lines.append(f"--{BATCH_BOUNDARY}--")
    return "\r\n".join(lines) + "\r\n"


def batch_answers(body: Any, content_type: Any) -> list[Any]:
    """The JSON bodies of a batch response's parts, in request order. A part that failed
    fails the module with the error type its status means."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else to_text(body)
    match = re.search(r'boundary="?([^";]+)"?', to_text(content_type))
    if not text or match is None:
        return []
    answers: list[tuple[int, Any]] = []
    for chunk in text.split("--" + match.group(1)):
        if "HTTP/" not in chunk:
            continue
        order = re.search(r"Content-ID:\s*<?response-item(\d+)>?", chunk, re.I)
        http = chunk[chunk.index("HTTP/"):]
        status = int(http.split()[1])
        _, _, payload = http.replace("\r\n", "\n").partition("\n\n")
        try:
            data = json.loads(payload.strip() or "null")
        except ValueError:
            data = payload.strip()
        if status >= 400:
            raise _part_error(status, data)
        answers.append((int(order.group(1)) if order else len(answers) + 1, data))
    return [data for _, data in sorted(answers, key=lambda pair: pair[0])]


def _part_error(status: int, data: Any) -> ModuleError:
    error = data.get("error") if isinstance(data, dict) else None
    message = to_text(error.get("message")) if isinstance(error, dict) else to_text(data)
    reasons = " ".join(to_text(e.get("reason")) for e in (error or {}).get("errors") or []
                       if isinstance(e, dict)) if isinstance(error, dict) else ""
    kind = {401: "InvalidAccessTokenError", 404: "DataError", 429: "RateLimitError"}.get(
        status, "ConnectionError" if status >= 500 else "RuntimeError")
    if status == 403:
        kind = "RateLimitError" if "LimitExceeded" in reasons else "InvalidConfigurationError"
    return ModuleError(f"[{status}] {message}", name=kind, detail={"statusCode": status})


def search_query(parameters: Any, last_date: Any = None) -> str:
    """Gmail's search for Watch emails: the user's query, or the simple filter's criteria,
    and only mail after the trigger's last date."""
    p = parameters if isinstance(parameters, dict) else {}
    terms: list[str] = []
    if to_text(p.get("filterType")) == "gmailSearch":
        terms.append(to_text(p.get("q")).replace("\n", " ").strip())
    else:
        criteria = to_text(p.get("criteria"))
        if criteria in ("is:read", "is:unread"):
            terms.append(criteria)
        if to_text(p.get("from")).strip():
            terms.append(f"from:({to_text(p['from']).strip()})")
        if to_text(p.get("subject")).strip():
            terms.append(f"subject:({to_text(p['subject']).strip()})")
        if to_text(p.get("includeWords")).strip():
            terms.append(to_text(p["includeWords"]).strip())
        for word in to_text(p.get("excludeWords")).split():
            terms.append(f"-{word}")
        found = p.get("size")
        size: dict[str, Any] = found if isinstance(found, dict) else {}
        amount = to_number(size.get("amount"))
        if amount:
            unit = {"M": "M", "K": "K"}.get(to_text(size.get("unit")), "")
            terms.append(f"{to_text(size.get('criteria')) or 'larger'}:{int(amount)}{unit}")
        if to_bool(p.get("hasAttachment")):
            terms.append("has:attachment")
    after = to_date(last_date)
    if after is not None and after.timestamp() > 0:
        terms.append(f"after:{int(after.timestamp())}")
    return " ".join(t for t in terms if t)


def folder_labels(parameters: Any) -> list[str]:
    """The label (folder) a simple search watches (its label ids)."""
    p = parameters if isinstance(parameters, dict) else {}
    if to_text(p.get("filterType")) == "gmailSearch":
        return []
    chosen = p.get("labelIds") or p.get("folder")
    if isinstance(chosen, list):
        return [to_text(c) for c in chosen if c]
    return [to_text(chosen)] if chosen else []


FUNCTIONS = {
    "mimeMessage": mime_message,
    "replyOptions": reply_options,
    "emailMessage": email_message,
    "emailMessages": email_messages,
    "attachments": attachments,
    "attachmentCalls": attachment_calls,
    "messageCalls": message_calls,
    "messageIds": message_ids,
    "batchBody": batch_body,
    "batchAnswers": batch_answers,
    "searchQuery": search_query,
    "folderLabels": folder_labels,
}
