"""Make's Email app over your own mail servers: send (SMTP), watch and retrieve (IMAP),
iterate attachments.

The account is a workspace connection of the built-in `email` type (host, port, user,
password in the keyring, TLS mode), named by the module's `account` parameter as Make exports
carry it (`account:smtp|imap|google-restricted|microsoft-smtp-imap`): an export's account id
maps to a local connection with `--make-id`. Gmail's and Microsoft's OAuth accounts are not
available here; a local SMTP/IMAP connection for the same mailbox takes their place.

Watch emails keeps its cursor (the last UID it emitted, with the folder's UIDVALIDITY) in
state.db like app triggers (engine.apps.runtime), and follows "choose where to start" until it
has one. Module ids and fields of `ActionSendEmail` and `TriggerNewEmail` are Make's (real
exports); `ActionRetrieveEmails` and `FeedAttachments` are unverified names, chosen after
Make's Gmail app (`google-email:FeedAttachments`).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from engine.apps.runtime import trigger_key, trigger_state
from engine.errors import ModuleError
from engine.spec import FieldSpec, ModuleCall, ModuleTable
from engine.values import to_bool, to_date, to_number, to_text

if TYPE_CHECKING:  # the mail code (imaplib, email parsing) loads when a module runs
    from engine.mail.account import Account
    from engine.mail.imap import Fetched, Search

MODULES = ModuleTable()
T = TypeVar("T")

_ACCOUNT_TYPES = "smtp, imap, google-restricted, microsoft-smtp-imap"
_PERSON = [FieldSpec(name="name", label="Name"), FieldSpec(name="email", type="email",
                                                           label="Email address")]
_ATTACHMENT = [
    FieldSpec(name="fileName", label="File name"),
    FieldSpec(name="contentType", label="Content type"),
    FieldSpec(name="size", type="uinteger", label="Size"),
    FieldSpec(name="data", type="buffer", label="Data"),
    FieldSpec(name="cid", label="Content-ID"),
]
EMAIL_INTERFACE = [
    FieldSpec(name="uid", type="uinteger", label="Email ID (UID)"),
    FieldSpec(name="messageId", label="Message ID"),
    FieldSpec(name="subject", label="Subject"),
    FieldSpec(name="date", type="date", label="Date"),
    FieldSpec(name="sender", type="collection", label="Sender", spec=_PERSON),
    FieldSpec(name="to", type="array", label="To", spec=_PERSON),
    FieldSpec(name="cc", type="array", label="Copy recipients", spec=_PERSON),
    FieldSpec(name="bcc", type="array", label="Blind copy recipients", spec=_PERSON),
    FieldSpec(name="replyTo", type="array", label="Reply-To", spec=_PERSON),
    FieldSpec(name="inReplyTo", label="In-Reply-To"),
    FieldSpec(name="headers", type="collection", label="Headers"),
    FieldSpec(name="text", label="Text content"),
    FieldSpec(name="html", label="HTML content"),
    FieldSpec(name="attachments", type="array", label="Attachments", spec=_ATTACHMENT),
    FieldSpec(name="flags", type="array", label="Flags"),
    FieldSpec(name="size", type="uinteger", label="Size"),
]


def _account_field(kinds: str) -> FieldSpec:
    return FieldSpec(name="account", type="account", label="Connection", required=True,
                     help=f"an e-mail connection (Make: account:{kinds})")


_SEARCH_FIELDS = [
    FieldSpec(name="folder", type="path", label="Folder", required=True, default="INBOX"),
    FieldSpec(name="criteria", type="select", label="Criteria", required=True, default="ALL",
              options=[{"label": "All emails", "value": "ALL"},
                       {"label": "Only Read emails", "value": "SEEN"},
                       {"label": "Only Unread emails", "value": "UNSEEN"}]),
    FieldSpec(name="from", type="email", label="Sender email address"),
    FieldSpec(name="to", type="email", label="Recipient email address"),
    FieldSpec(name="subject", label="Subject"),
    FieldSpec(name="text", label="Phrase"),
    FieldSpec(name="markSeen", type="boolean", label="Mark message(s) as read when fetched",
              default=False),
    FieldSpec(name="maxResults", type="uinteger", label="Maximum number of results",
              default=1),
]


def _setting(call: ModuleCall, name: str, default: Any = None) -> Any:
    """A field from the mapper or, as real exports keep most of them, the parameters."""
    for source in (call.mapper, call.parameters):
        value = source.get(name)
        if value is not None and value != "":
            return value
    return default


def _search(call: ModuleCall, **more: Any) -> Search:
    from engine.mail.imap import CRITERIA, Search

    criteria = to_text(_setting(call, "criteria", "ALL")).upper()
    if criteria not in CRITERIA:
        raise ModuleError(f"criteria {criteria!r}: use one of {', '.join(CRITERIA)}",
                          name="DataError")
    return Search(criteria=criteria, sender=to_text(_setting(call, "from", "")).strip(),
                  recipient=to_text(_setting(call, "to", "")).strip(),
                  subject=to_text(_setting(call, "subject", "")).strip(),
                  text=to_text(_setting(call, "text", "")).strip(), **more)


def _limit(call: ModuleCall, default: int = 1) -> int:
    number = to_number(_setting(call, "maxResults"))
    return int(number) if number is not None and number > 0 else default


async def _effect(call: ModuleCall, produce: Callable[[], Awaitable[T]]) -> T:
    """A mail server exchange, recorded for deterministic replay (fed back on one)."""
    effects = call.run.effects
    if effects is None:
        return await produce()
    return await effects.take_async("email", produce)


async def _in_thread(account: Account, work: Callable[[], T]) -> T:
    from engine.mail.imap import imap_errors

    try:
        return await asyncio.to_thread(work)
    except Exception as exc:  # noqa: BLE001 - every failure becomes Make's error class
        raise imap_errors(account, exc) from None


def _matches(bundle: dict[str, Any], local: dict[str, str]) -> bool:
    """Non-ASCII search values, matched on the decoded message (see engine.mail.imap)."""
    people = {"from": [bundle["sender"]], "to": bundle["to"] + bundle["cc"]}
    for name, wanted in local.items():
        if name in people:
            seen = " ".join(f"{p.get('name', '')} {p.get('email', '')}" for p in people[name])
        elif name == "subject":
            seen = bundle["subject"]
        else:
            seen = f"{bundle['subject']} {bundle['text']} {bundle['html']}"
        if wanted not in seen.lower():
            return False
    return True


def _bundles(fetched: list[dict[str, Any]], search: Search) -> list[dict[str, Any]]:
    from engine.mail import email_bundle

    local = search.local_terms()
    out = []
    for item in fetched:
        bundle = email_bundle(item["raw"], uid=item["uid"], flags=item["flags"])
        if not local or _matches(bundle, local):
            out.append(bundle)
    return out


def _as_record(fetched: list[Fetched]) -> list[dict[str, Any]]:
    return [{"uid": f.uid, "raw": f.raw, "flags": f.flags} for f in fetched]


# --- Send an email ---------------------------------------------------------------------------


@MODULES.module(
    "email:ActionSendEmail",
    label="Send an email",
    kind="action",
    description="Sends an e-mail through the connection's SMTP server.",
    connection="email",
    parameters=[
        _account_field("smtp,google-restricted,microsoft-smtp-imap"),
        FieldSpec(name="saveAfterSent", type="boolean", label="Save message after sending",
                  default=False),
    ],
    mapper=[
        FieldSpec(name="to", type="array", label="To", required=True,
                  spec=[FieldSpec(name="value", type="email", label="Email address")]),
        FieldSpec(name="subject", label="Subject"),
        FieldSpec(name="contentType", type="select", label="Content Type", required=True,
                  default="html", options=[{"label": "HTML", "value": "html"},
                                           {"label": "Plaintext", "value": "text"}]),
        FieldSpec(name="html", label="Content", shown_when={"contentType": ["html"]}),
        FieldSpec(name="text", label="Content", shown_when={"contentType": ["text"]}),
        FieldSpec(name="attachments", type="array", label="Attachments", spec=[
            FieldSpec(name="fileName", label="File name", required=True),
            FieldSpec(name="data", type="buffer", label="Data", required=True),
            FieldSpec(name="cid", label="Content-ID"),
        ]),
        FieldSpec(name="cc", type="array", label="Copy recipient",
                  spec=[FieldSpec(name="value", type="email", label="Email address")]),
        FieldSpec(name="bcc", type="array", label="Blind copy recipient",
                  spec=[FieldSpec(name="value", type="email", label="Email address")]),
        FieldSpec(name="from", label="From", advanced=True),
        FieldSpec(name="sender", label="Sender", advanced=True),
        FieldSpec(name="replyTo", label="Reply-To", advanced=True),
        FieldSpec(name="inReplyTo", label="In-Reply-To", advanced=True),
        FieldSpec(name="references", type="array", label="References", advanced=True,
                  spec=[FieldSpec(name="value", label="Reference")]),
        FieldSpec(name="priority", type="select", label="Priority", default="normal",
                  advanced=True, options=[{"label": "High", "value": "high"},
                           {"label": "Normal", "value": "normal"},
                           {"label": "Low", "value": "low"}]),
        FieldSpec(name="headers", type="array", label="Headers", advanced=True,
                  sensitive="named",
                  spec=[FieldSpec(name="key", label="Key"), FieldSpec(name="value")]),
    ],
)
async def send_email(call: ModuleCall) -> list[dict[str, Any]]:
    from engine.mail import module_account
    from engine.mail.smtp import compose, send

    account = module_account(call, "smtp")
    message, recipients = compose(call.mapper, account.sender, call.run.now())
    if to_bool(call.parameters.get("saveAfterSent")):
        warning = (f"module {call.module_id}: saving the sent message in a folder needs an "
                   "IMAP account; it was sent but not saved")
        if warning not in call.run.warnings:
            call.run.warn(warning)

    async def deliver() -> dict[str, Any]:
        await send(account, message, recipients)
        return {"messageId": str(message["Message-ID"])}

    await _effect(call, deliver)
    return [{}]  # Make's module outputs nothing to map


# --- Watch emails ----------------------------------------------------------------------------


def _since(choice: dict[str, Any]) -> date | None:
    when = to_date(choice.get("date"))
    return when.date() if when is not None else None


@MODULES.module(
    "email:TriggerNewEmail",
    label="Watch emails",
    kind="trigger",
    description="Emits new e-mails of a mailbox folder, oldest first, once each.",
    connection="email",
    parameters=[_account_field("imap,google-restricted,microsoft-smtp-imap"),
                *_SEARCH_FIELDS],
    interface=EMAIL_INTERFACE,
)
async def watch_emails(call: ModuleCall) -> list[dict[str, Any]]:
    from engine.mail import module_account
    from engine.mail.imap import Mailbox, Search

    account = module_account(call, "imap")
    folder = to_text(_setting(call, "folder", "INBOX"))
    mark = to_bool(_setting(call, "markSeen", False))
    limit = _limit(call)
    store, key = trigger_state(call.run), trigger_key(call.run, call.module_id)
    stored = store.get(key)
    # "Choose where to start" applies until the trigger has a cursor of its own.
    choice = (call.run.start_from or {}) if stored is None else {}
    mode = choice.get("mode")
    search = _search(call, since=_since(choice) if mode == "since" else None)

    def poll() -> dict[str, Any]:
        with Mailbox(account, folder, writable=mark) as box:
            validity = box.uid_validity
            last = stored.get("lastId") if stored else None
            if stored and stored.get("uidValidity") not in (None, validity):
                # The server renumbered the folder: old UIDs mean nothing; start from now.
                return {"validity": validity, "messages": [], "more": False,
                        "cursor": max(box.search(Search()), default=0), "renumbered": True}
            if mode == "id":
                last = int(to_number(choice.get("id")) or 0)
            if mode == "now":
                return {"validity": validity, "messages": [], "more": False,
                        "cursor": max(box.search(Search()), default=0)}
            uids = box.search(dataclasses.replace(search, after_uid=last))
            if mode == "last":
                uids = uids[-int(to_number(choice.get("count")) or 1):]
            chosen = uids[:limit]
            fetched = box.fetch(chosen)
            if mark:
                box.mark_seen(chosen)
            return {"validity": validity, "messages": _as_record(fetched),
                    "more": len(uids) > limit,
                    "cursor": chosen[-1] if chosen else (
                        max(box.search(Search()), default=0) if mode == "last" else last)}

    found = await _effect(call, lambda: _in_thread(account, poll))
    if found.get("renumbered"):
        call.run.warn(f"module {call.module_id}: folder {folder!r} was renumbered by the "
                      "server (UIDVALIDITY changed); watching again from now on")
    effects = call.run.effects
    if not (effects is not None and effects.replaying) and found["cursor"] is not None:
        store.set(key, {"lastId": found["cursor"], "uidValidity": found["validity"]})
    if found["more"]:
        call.run.more = True
    return _bundles(found["messages"], search)


# --- Retrieve emails -------------------------------------------------------------------------


@MODULES.module(
    "email:ActionRetrieveEmails",  # unverified id
    label="Retrieve emails",
    kind="search",
    description="The newest e-mails of a folder that match, newest first.",
    connection="email",
    parameters=[_account_field("imap,google-restricted,microsoft-smtp-imap")],
    mapper=_SEARCH_FIELDS,
    interface=EMAIL_INTERFACE,
)
async def retrieve_emails(call: ModuleCall) -> list[dict[str, Any]]:
    from engine.mail import module_account
    from engine.mail.imap import Mailbox

    account = module_account(call, "imap")
    folder = to_text(_setting(call, "folder", "INBOX"))
    mark = to_bool(_setting(call, "markSeen", False))
    limit = _limit(call, default=10)
    search = _search(call)

    def fetch() -> list[dict[str, Any]]:
        with Mailbox(account, folder, writable=mark) as box:
            chosen = list(reversed(box.search(search)))[:limit]
            fetched = box.fetch(chosen)
            if mark:
                box.mark_seen(chosen)
            return _as_record(fetched)

    return _bundles(await _effect(call, lambda: _in_thread(account, fetch)), search)


# --- Iterate attachments ---------------------------------------------------------------------


@MODULES.module(
    "email:FeedAttachments",  # unverified id (Make's Gmail app: google-email:FeedAttachments)
    label="Iterate attachments",
    kind="iterator",
    description="One bundle per attachment of an e-mail.",
    mapper=[FieldSpec(name="array", type="array", label="Attachments", required=True,
                      spec=_ATTACHMENT)],
    interface=[*_ATTACHMENT,
               FieldSpec(name="__IMTINDEX__", type="uinteger", label="Bundle order position"),
               FieldSpec(name="__IMTLENGTH__", type="uinteger",
                         label="Total number of bundles")],
)
def feed_attachments(call: ModuleCall) -> list[dict[str, Any]]:
    items = _setting(call, "array", [])
    if isinstance(items, dict):
        items = [items]
    items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    total = len(items)
    return [{**item, "__IMTINDEX__": n, "__IMTLENGTH__": total}
            for n, item in enumerate(items, 1)]
