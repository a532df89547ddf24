"""Composing an e-mail from `email:ActionSendEmail`'s fields and sending it over SMTP.

The message is a standard MIME message (Python's `email` package): text or HTML (an HTML
message also carries a plain-text alternative, as mail clients expect), attachments from
buffers (one with a Content-ID is inline, for `<img src="cid:...">`), cc, bcc (envelope only,
never a header), reply-to, in-reply-to/references for threads, priority as the
X-Priority/Importance headers nodemailer writes (unverified that Make uses exactly these),
custom headers. Sending runs smtplib in a worker thread with a timeout: TLS from the start,
STARTTLS, or none, then a login when the account has a user and a password.
"""

from __future__ import annotations

import asyncio
import mimetypes
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from typing import Any

from engine.errors import ModuleError
from engine.mail.account import TIMEOUT_S, Account
from engine.values import to_text

_PRIORITIES = {"high": ("1 (Highest)", "high"), "low": ("5 (Lowest)", "low")}


def addresses(value: Any) -> list[str]:
    """`["a@x", {"value": "b@x"}, "c@x, d@x"]` (or one text) as a flat list of addresses."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("value", item.get("address", item.get("email")))
        text = to_text(item).strip()
        if not text:
            continue
        out.extend(f"{name} <{addr}>" if name else addr
                   for name, addr in getaddresses([text]) if addr)
    return out


def _bare(address: str) -> str:
    return getaddresses([address])[0][1]


def _attachment_bytes(data: Any) -> bytes:
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    return to_text(data).encode("utf-8")


def compose(mapper: dict[str, Any], sender: str, now: Any) -> tuple[EmailMessage, list[str]]:
    """The message and its envelope recipients (to, cc and bcc)."""
    to, cc, bcc = (addresses(mapper.get(k)) for k in ("to", "cc", "bcc"))
    if not to:
        raise ModuleError("To is empty: map at least one recipient address", name="DataError")
    from_ = to_text(mapper.get("from")).strip() or sender
    if not from_:
        raise ModuleError("no sender address: map From, or set the connection's `from` (or "
                          "a user name that is an address)", name="DataError")
    message = EmailMessage()
    message["From"] = from_
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    for field, header in (("sender", "Sender"), ("replyTo", "Reply-To"),
                          ("inReplyTo", "In-Reply-To")):
        value = to_text(mapper.get(field)).strip()
        if value:
            message[header] = value
    references = [to_text(r).strip() for r in (mapper.get("references") or [])
                  if to_text(r).strip()] if isinstance(mapper.get("references"), list) else (
        [to_text(mapper.get("references")).strip()] if mapper.get("references") else [])
    if references:
        message["References"] = " ".join(references)
    message["Subject"] = to_text(mapper.get("subject"))
    message["Date"] = format_datetime(now)
    domain = _bare(from_).rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    priority = _PRIORITIES.get(to_text(mapper.get("priority")).lower())
    if priority is not None:
        message["X-Priority"], message["Importance"] = priority
    for item in mapper.get("headers") or []:
        if isinstance(item, dict) and to_text(item.get("key", item.get("name"))).strip():
            message[to_text(item.get("key", item.get("name"))).strip()] = to_text(
                item.get("value"))
    _set_body(message, mapper)
    for item in mapper.get("attachments") or []:
        if isinstance(item, dict):
            _attach(message, item)
    return message, [_bare(a) for a in (*to, *cc, *bcc)]


def _set_body(message: EmailMessage, mapper: dict[str, Any]) -> None:
    if to_text(mapper.get("contentType")).lower() == "text":
        message.set_content(to_text(mapper.get("text")))
        return
    html = to_text(mapper.get("html"))
    text = to_text(mapper.get("text"))
    if not text:
        from engine.iml.functions.text import strip_html

        text = strip_html(html)
    message.set_content(text)
    message.add_alternative(html, subtype="html")


def _attach(message: EmailMessage, item: dict[str, Any]) -> None:
    name = to_text(item.get("fileName")).strip() or "attachment"
    data = _attachment_bytes(item.get("data"))
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    maintype, _, subtype = guessed.partition("/")
    cid = to_text(item.get("cid")).strip()
    if cid:  # inline, referred to by `cid:` in the HTML: it belongs beside the HTML part
        body = message.get_body(("html",))
        target = body if body is not None else message
        target.add_related(data, maintype=maintype, subtype=subtype, filename=name,
                           cid=f"<{cid.strip('<>')}>", disposition="inline")
        return
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)


def _session(account: Account) -> smtplib.SMTP:
    """Connected, encrypted as the account says, logged in (blocking)."""
    client: smtplib.SMTP
    if account.tls == "tls":
        client = smtplib.SMTP_SSL(account.host, account.port, timeout=TIMEOUT_S,
                                  context=account.ssl_context())
    else:
        client = smtplib.SMTP(account.host, account.port, timeout=TIMEOUT_S)
    try:
        client.ehlo()
        if account.tls == "starttls":
            client.starttls(context=account.ssl_context())
            client.ehlo()
        if account.user and account.password:  # a relay that takes mail unauthenticated
            client.login(account.user, account.password)
    except BaseException:
        client.close()
        raise
    return client


def _send_now(account: Account, message: EmailMessage, recipients: list[str]) -> None:
    with _session(account) as client:
        client.send_message(message, to_addrs=recipients)


def login_only(account: Account) -> None:
    """Log in and out ("Test connection")."""
    with _session(account):
        pass


async def send(account: Account, message: EmailMessage, recipients: list[str]) -> None:
    try:
        await asyncio.to_thread(_send_now, account, message, recipients)
    except Exception as exc:  # noqa: BLE001 - every failure becomes Make's error class
        raise smtp_error(account, exc) from None


def smtp_error(account: Account, exc: BaseException) -> ModuleError:
    """A ModuleError of Make's class for what smtplib or the network raised."""
    if isinstance(exc, ModuleError):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return ModuleError(f"SMTP server {account.describe()} refused the login: "
                           f"{_reply(exc)}", name="InvalidAccessTokenError")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(f"{addr} ({_reply(code_text)})"
                            for addr, code_text in exc.recipients.items())
        return ModuleError(f"SMTP server {account.describe()} refused the recipients: "
                           f"{refused}", name="DataError")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ModuleError(f"SMTP server {account.describe()}: {exc}",
                           name="InvalidConfigurationError")
    if isinstance(exc, smtplib.SMTPResponseException):
        return ModuleError(f"SMTP server {account.describe()} answered {_reply(exc)}",
                           name="RuntimeError")
    if isinstance(exc, (ssl.SSLError, ssl.CertificateError)):
        return ModuleError(f"TLS with {account.describe()} failed: {exc}",
                           name="ConnectionError")
    if isinstance(exc, (smtplib.SMTPException, OSError)):  # timeouts are OSErrors
        return ModuleError(f"cannot send through {account.describe()}: {exc}",
                           name="ConnectionError")
    return ModuleError(f"SMTP server {account.describe()}: {exc}", name="RuntimeError")


def _reply(exc: Any) -> str:
    if isinstance(exc, tuple):
        code, text = exc
    else:
        code, text = getattr(exc, "smtp_code", ""), getattr(exc, "smtp_error", exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


__all__ = ["addresses", "compose", "send"]
