"""The corpus' e-commerce order processing, run whole by `scenarist run` against the local
fakes of Google Sheets, Airtable, Slack and Telegram and a local SMTP server: a webhook
takes the order; an invalid one is logged to a sheet; a known one is logged as a duplicate
and processed: an Orders row, an Airtable invoice, the confirmation e-mail, one row per
line item, a Slack post, the row marked as notified. When Slack refuses, Telegram alerts
the team and the run is kept for a retry. Connections are made on the command line, each
mapped by `--make-id`."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

import pytest

from tests.connectors.corpus_runs import (
    browse_consent,
    cli,
    connect_slack,
    exported,
    filled_in_modules,
    node,
    run,
)
from tests.connectors.test_google_cli import connect as google_connect
from tests.secrets.scan import leaks
from tests.support import fake_airtable as airtable_support
from tests.support import fake_slack as slack_support
from tests.support import fake_telegram as telegram_support
from tests.support.fake_airtable import DEFAULT_TOKEN as AIRTABLE_TOKEN
from tests.support.fake_airtable import FakeAirtable
from tests.support.fake_google import FakeGoogle
from tests.support.fake_slack import FakeSlack
from tests.support.fake_telegram import FakeTelegram
from tests.support.mail_servers import IGNORE_AUTH_WARNING, smtp_server

fake_slack = slack_support.fake_slack
fake_airtable = airtable_support.fake_airtable
fake_telegram = telegram_support.fake_telegram

ORDERS = "6302Mohamed__make-automation-projects__project-02-ecommerce-order-processing__project-02-blueprint-sanitized-reference.json"  # noqa: E501
SHEETS = {3: "1InvalidOrders", 6: "1Duplicates", 7: "1Orders", 11: "1Orders", 20: "1Orders",
          15: "1OrderItems"}
SALES, ORDER_ERRORS, TELEGRAM_CHAT = "C07SALESORDER", "C07ORDERERROR", -1002211334455
INVOICES = ("appOrderLab000001", "tblInvoices000001")


def order(order_id: str | None, **more: Any) -> dict[str, Any]:
    body = {"order_id": order_id, "order_timestamp": "2026-03-02T10:15:00Z",
            "customer_name": "Ada Lovelace", "customer_email": "ada@lovelace.example",
            "payment_status": "paid", "total_amount": 129.5, "line_items": [
                {"item_id": "LI-1", "product_name": "Difference Engine kit", "sku": "DE-1",
                 "quantity": 1, "unit_price": 99.5, "line_total": 99.5},
                {"item_id": "LI-2", "product_name": "Punched cards", "sku": "PC-100",
                 "quantity": 3, "unit_price": 10, "line_total": 30}], **more}
    return {"body": {k: v for k, v in body.items() if v is not None}, "headers": {},
            "method": "POST"}


@pytest.mark.filterwarnings(IGNORE_AUTH_WARNING)
def test_orders_are_logged_invoiced_mailed_and_notified(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_google: FakeGoogle,
        fake_slack: FakeSlack, fake_airtable: FakeAirtable,
        fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    # The export is sanitized, and its placeholders stand for what the user fills in: every
    # module's connection is one CONNECTION_PLACEHOLDER, whatever its app, so the Slack,
    # Airtable and Telegram modules get theirs (the Google Sheets modules keep it, mapped
    # by `--make-id`); each Google Sheets module gets its spreadsheet (the author's sheet
    # names are in the metadata: Invalid_Orders, Duplicates, Orders, Order_Items); the Slack
    # modules their channels (sales-orders, order-errors); the Airtable base and table and
    # the Telegram chat. The webhook and the e-mail account are left as exported (`--input`
    # gives the request, `--make-id` maps the account).
    raw = filled_in_modules(exported(ORDERS).read_text(encoding="utf-8"), {
        **{(m, "__IMTCONN__"): "slack-orders" for m in (21, 17)},
        (26, "__IMTCONN__"): "airtable-orders", (23, "__IMTCONN__"): "telegram-orders",
        **{(m, "spreadsheetId"): sid for m, sid in SHEETS.items()},
        (17, "channel"): SALES, (21, "channel"): ORDER_ERRORS,
        (26, "base"): INVOICES[0], (26, "table"): INVOICES[1],
        (23, "chatId"): str(TELEGRAM_CHAT)})
    path = tmp_path / "orders.blueprint.json"
    path.write_text(raw, encoding="utf-8")
    blueprint = json.loads(raw)
    assert [node(blueprint, m)["mapper"]["spreadsheetId"] for m in SHEETS] == list(
        SHEETS.values())
    assert [node(blueprint, m)["parameters"]["__IMTCONN__"] for m in (3, 17, 21, 26, 23)] == [
        "CONNECTION_PLACEHOLDER", "slack-orders", "slack-orders", "airtable-orders",
        "telegram-orders"]
    workspace = tmp_path / "ws"
    ws = ("--data-dir", str(workspace))
    for sid, name, header in [
            ("1InvalidOrders", "Invalid_Orders", ["received_at", "raw_order_id",
                                                  "customer_name", "customer_email",
                                                  "validation_reason"]),
            ("1Duplicates", "Duplicates", ["OrderID", "order_timestamp", "customer_name",
                                           "customer_email", "total_amount", "detected_at",
                                           "duplicate_reason"]),
            ("1Orders", "Orders", ["OrderID", "order_timestamp", "customer_name",
                                   "customer_email", "payment_status", "total_amount",
                                   "item_count", "processed_at", "processing_status",
                                   "notification_status"]),
            ("1OrderItems", "Order_Items", ["OrderID", "item_id", "product_name", "sku",
                                            "quantity", "unit_price", "line_total",
                                            "logged_at"])]:
        fake_google.add_spreadsheet(name, {"Sheet1": [header]}, sid=sid)
    fake_airtable.add_base(INVOICES[0], "Order Processing Lab")
    fake_airtable.add_table(INVOICES[0], INVOICES[1], "Invoices", [
        {"id": "fldcBg7KmhgPfR4kR", "name": "invoice_id", "type": "singleLineText"},
        {"id": "fld35wkcSwN7m3gLY", "name": "order_id", "type": "singleLineText"},
        {"id": "fldB9TDVm9EBscWs0", "name": "customer_name", "type": "singleLineText"},
        {"id": "fld69xAIo3GNtO4yO", "name": "customer_email", "type": "email"},
        {"id": "fldKKhEUR2JBoq2UC", "name": "invoice_amount", "type": "currency"},
        {"id": "fld9NBrStSvpIdqjO", "name": "invoice_status", "type": "singleSelect",
         "options": {"choices": [{"id": f"sel{n}", "name": n}
                                 for n in ("generated", "Paid", "Unpaid", "Overdue")]}},
        {"id": "fldNOPAURcFybM4hA", "name": "generated_at", "type": "dateTime"}])
    fake_slack.add_channel(SALES, "sales-orders")
    fake_slack.add_channel(ORDER_ERRORS, "order-errors")
    fake_telegram.add_chat(TELEGRAM_CHAT, "supergroup", title="Order alerts")

    browse_consent(monkeypatch, fake_slack, fake_google)
    google_connect(capsys, fake_google, ws, "CONNECTION_PLACEHOLDER")
    slack = connect_slack(capsys, fake_slack, ws, "slack-orders", workspace)
    for app, values, make_id, url in [
            ("airtable:token", {"token": AIRTABLE_TOKEN}, "airtable-orders",
             fake_airtable.url),
            ("telegram", {"token": fake_telegram.token}, "telegram-orders", fake_telegram.url)]:
        sets = [part for k, v in values.items() for part in ("--set", f"{k}={v}")]
        code, _, err = cli(capsys, "connections", "add", app, "--name", app, *sets,
                           "--base-url", url, "--make-id", make_id, *ws)
        assert code == 0, err
    with smtp_server(user="shop@agency.example", password="smtp-pass-41c9") as smtp:
        code, _, err = cli(capsys, "connections", "add", "email", "--name", "Shop mail",
                           "--set", "host=127.0.0.1", "--set", f"port={smtp.port}",
                           "--set", "user=shop@agency.example", "--set", "tls=none",
                           "--set", "password=smtp-pass-41c9",
                           "--set", "from=Shop <shop@agency.example>",
                           "--make-id", "EMAIL_ACCOUNT_PLACEHOLDER", *ws)
        assert code == 0, err

        def send(request: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
            incoming = tmp_path / "request.json"
            incoming.write_text(json.dumps(request))
            return run(capsys, path, ws, "--input", str(incoming))

        # an order without its id: logged as invalid, nothing else
        report, *printed = send(order(None))
        assert fake_google.sheets["1InvalidOrders"]["tabs"]["Sheet1"][1] == [
            "2026-03-02T10:15:00Z", "", "Ada Lovelace", "Ada Lovelace",
            "missing_required_field"]
        assert report["modules"]["7"]["operations"] == 0

        # a new order: as in Make, Search Rows that finds nothing outputs no bundle, so the
        # export goes no further (it processes only orders the Orders sheet already has)
        report, *more = send(order("ORD-1001"))
        printed += more
        assert report["modules"]["7"]["operations"] == 1
        assert not report["modules"]["7"]["outputs"] and not smtp.messages
        assert len(fake_google.sheets["1Orders"]["tabs"]["Sheet1"]) == 1

        # an order the Orders sheet has: logged as a duplicate, and processed
        fake_google.sheets["1Orders"]["tabs"]["Sheet1"].append(["ORD-1001"])
        report, *more = send(order("ORD-1001"))
        printed += more
        search = [r for r in fake_google.requests if r.path.startswith(
            "/v4/spreadsheets/1Orders/values/") and r.method == "GET"]
        assert search and all(r.headers["authorization"] == f"Bearer "
                              f"{fake_google.access_token}" for r in search)
        duplicate = fake_google.sheets["1Duplicates"]["tabs"]["Sheet1"][1]
        assert duplicate[:5] == ["ORD-1001", "2026-03-02T10:15:00Z", "Ada Lovelace",
                                 "ada@lovelace.example", "129.5"]
        assert duplicate[6] == "order_id_already_exists"
        rows = fake_google.sheets["1Orders"]["tabs"]["Sheet1"]
        assert rows[2][:7] == ["ORD-1001", "2026-03-02T10:15:00Z", "Ada Lovelace",
                               "ada@lovelace.example", "paid", "129.5", "2"]
        assert rows[2][8:] == ["Processed", "Sent_to_Slack"]  # updated after the Slack post
        items = fake_google.sheets["1OrderItems"]["tabs"]["Sheet1"][1:]
        assert [row[:7] for row in items] == [
            ["ORD-1001", "LI-1", "Difference Engine kit", "DE-1", "1", "99.5", "99.5"],
            ["ORD-1001", "LI-2", "Punched cards", "PC-100", "3", "10", "30"]]
        [invoice] = fake_airtable.records(*INVOICES)
        assert {k: v for k, v in invoice["fields"].items() if k != "generated_at"} == {
            "invoice_id": "INV-  ORD-1001", "order_id": "ORD-1001",
            "customer_name": "Ada Lovelace", "customer_email": "ada@lovelace.example",
            "invoice_amount": 129.5, "invoice_status": "Paid"}
        [created] = fake_airtable.calls("POST", f"/v0/{INVOICES[0]}/{INVOICES[1]}")
        assert created.headers["authorization"] == f"Bearer {AIRTABLE_TOKEN}"
        assert created.json()["typecast"] is False
        [mail] = smtp.messages
        assert mail.recipients == ["ada@lovelace.example"]
        assert smtp.logins == ["shop@agency.example"]
        confirmation = message_from_bytes(mail.data, policy=email_policy)
        assert confirmation["Subject"] == "Your order has been confirmed \u2014 ORD-1001"
        assert "Invoice ID: INV-ORD-1001\nTotal Amount: 129.5" in str(
            confirmation.get_content()).replace("\r\n", "\n")
        [(post, token)] = fake_slack.called("chat.postMessage")
        assert post["channel"] == SALES and token == slack.secret_data["accessToken"]
        assert post["text"] == ("New paid order received\r\n\r\nOrder ID: ORD-1001\nOrder "
                                "Time: 2026-03-02T10:15:00Z\nCustomer: Ada Lovelace\nItems: "
                                "2\nTotal Amount: 129.5\nPayment Status: paid")
        assert not fake_telegram.sent()

        # Slack refuses (the channel was archived): Telegram alerts the team, and the run
        # is kept to be retried (Break)
        fake_slack.channels[SALES]["is_archived"] = True
        fake_google.sheets["1Orders"]["tabs"]["Sheet1"].append(["ORD-1002"])
        incoming = tmp_path / "request.json"
        incoming.write_text(json.dumps(order("ORD-1002")))
        code, out, err = cli(capsys, "run", str(path), "--input", str(incoming), "--report",
                             "json", *ws)
        printed += [out, err]
        assert code == 0, err
        report = json.loads(out)
        assert (report["status"], report["incomplete_executions"]) == ("warning", 1)
        assert [e["name"] for e in report["modules"]["17"]["errors"]] == ["DataError"]
        assert "20" not in report["modules"] or not report["modules"]["20"]["operations"]
        [alert] = fake_telegram.sent()
        assert alert.params["chat_id"] == str(TELEGRAM_CHAT)
        assert alert.params["text"].startswith("Slack order notification failed\r\n\r\n"
                                               "Order ID: ORD-1002\n")
        assert fake_google.sheets["1Orders"]["tabs"]["Sheet1"][-1][8:] == ["Processing",
                                                                            "Processing"]
    secrets = [fake_google.client_secret, fake_google.access_token, fake_google.refresh_token,
               fake_slack.client_secret, slack.secret_data["accessToken"], AIRTABLE_TOKEN,
               fake_telegram.token, "smtp-pass-41c9"]
    assert leaks(secrets, workspace, [(f"output {i}", text)
                                      for i, text in enumerate(printed)]) == []

