"""E-mail for the Email app's modules (engine.builtins.email): the account a connection
describes (`account`), composing and sending over SMTP (`smtp`), reading a mailbox over IMAP
(`imap`), and a fetched message as a bundle (`parse`). Standard library only; the blocking
protocol clients run in worker threads so the event loop never waits on a mail server."""

from __future__ import annotations

from engine.mail.account import Account, account_of, module_account
from engine.mail.parse import email_bundle

__all__ = ["Account", "account_of", "email_bundle", "module_account"]
