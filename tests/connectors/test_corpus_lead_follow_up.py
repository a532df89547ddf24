"""The corpus' human-in-the-loop lead safeguard, its second scenario (the review
follow-up), run whole by `scenarist run` against the local fakes of Airtable, Slack and
Google's APIs: Airtable Watch Records (a view of reviewed leads) → if/else on the
reviewer's decision → the approved reply e-mailed with Gmail, the lead and the message log
updated in Airtable, an alert posted to Slack; the reviewer asked by e-mail for notes a
"Needs Edit" lacks. Connections are made on the command line, each mapped to the export's
own ids (<CONN_01>..<CONN_05>, <KEYCHAIN_01>): an Airtable personal access token, the
user's Slack app and Google (OAuth with PKCE), and the Groq API key of the HTTP modules
(the AI routes, which call Groq, are not taken here)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
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
    filled_in,
    run,
)
from tests.connectors.test_google_cli import connect as google_connect
from tests.secrets.scan import leaks
from tests.support import fake_airtable as airtable_support
from tests.support import fake_slack as slack_support
from tests.support.fake_airtable import DEFAULT_TOKEN as AIRTABLE_TOKEN
from tests.support.fake_airtable import FakeAirtable
from tests.support.fake_google import FakeGoogle
from tests.support.fake_slack import FakeSlack

fake_slack = slack_support.fake_slack
fake_airtable = airtable_support.fake_airtable

FOLLOW_UP = "6302Mohamed__make-automation-projects__project-03-human-in-the-loop-lead-safeguard__blueprints__scenario-2-human-review-followup-sanitized.json"  # noqa: E501
BASE, REVIEWS, LEADS, LOG, DRAFTS = ("appLeadSafeguard1", "tblReviewApprove", "tblLeads0000001",
                                     "tblMessageLog001", "tblAIDrafts00001")
ALERTS, ERRORS = "C07LEADALERT", "C07LEADERROR"
REVIEWER = "reviews@agency.example"
# The export is sanitized: it marks what its author's account had as placeholders, which the
# user fills in with their own. Filled in here: the Airtable base, tables and view, the Slack
# channels and the reviewer's address. Left as they are: the connection and keychain ids
# (<CONN_01>..<CONN_05>, <KEYCHAIN_01>), which `--make-id` maps, the data structures (only on
# routes this test doesn't take) and the placeholders inside message texts.
FILLED_IN = {"<BASE_01>": BASE, "<TABLE_01>": REVIEWS, "<TABLE_02>": LEADS, "<TABLE_03>": LOG,
             "<TABLE_04>": DRAFTS, "<VIEW_01>": "viwDecisionProc01", "<CHANNEL_01>": ERRORS,
             "<CHANNEL_02>": ALERTS, "<EMAIL_01>": REVIEWER}
LEAD_STATUS = ["Pending Review", "Sent", "Manual Follow-Up Required", "Rejected", "Error"]


def lead_base(fake: Any) -> None:
    """The export's base: its field IDs where the export writes by ID, the names it reads."""
    def select(*names: str) -> dict[str, Any]:
        return {"type": "singleSelect", "options": {"choices": [
            {"id": f"sel{i:014d}", "name": n} for i, n in enumerate(names)]}}

    def lookup(name: str, field_in_leads: str) -> dict[str, Any]:
        return {"id": f"fldLk{field_in_leads[3:]}", "name": name,
                "type": "multipleLookupValues",
                "options": {"recordLinkFieldId": "fldH1HA440IFhuYaI",
                            "fieldIdInLinkedTable": field_in_leads, "isValid": True}}

    fake.add_base(BASE, "AI Lead Review & Follow-Up System")
    fake.add_table(BASE, LEADS, "Leads", [
        {"id": "fldLeadId0000001", "name": "Lead ID", "type": "autoNumber"},
        {"id": "fldFullName00001", "name": "Full Name", "type": "singleLineText"},
        {"id": "fldEmail00000001", "name": "Email", "type": "email"},
        {"id": "fldCompany000001", "name": "Company", "type": "singleLineText"},
        {"id": "fldService000001", "name": "Service Interest", "type": "singleLineText"},
        {"id": "fldContact000001", "name": "Preferred Contact Method", "type": "singleLineText"},
        {"id": "fldMessage000001", "name": "Original Message", "type": "multilineText"},
        {"id": "fld8wqAQdB0lKsrae", "name": "Lead Status", **select(*LEAD_STATUS)},
        {"id": "fldl89tnn6Fl1AFxk", "name": "Notes", "type": "multilineText"}])
    reviews = fake.add_table(BASE, REVIEWS, "Review & Approval", [
        {"id": "fldReviewId00001", "name": "Review ID", "type": "autoNumber"},
        {"id": "fldH1HA440IFhuYaI", "name": "Linked Lead", "type": "multipleRecordLinks",
         "options": {"linkedTableId": LEADS}},
        {"id": "fldGLolALKODyNjvt", "name": "Approval Status",
         **select("Pending Review", "Approved", "Rejected", "Needs Edit")},
        {"id": "fldY4OV4KHXrkT5LG", "name": "Approved Reply", "type": "multilineText"},
        {"id": "fldKGKnbxjp3dtvIQ", "name": "Reviewer Notes", "type": "multilineText"},
        {"id": "fldCreatedAt0001", "name": "Created At", "type": "createdTime"},
        lookup("Lead Email", "fldEmail00000001"), lookup("Lead Company", "fldCompany000001"),
        lookup("Lead Message", "fldMessage000001"),
        lookup("Preffered Contact", "fldContact000001"),
        lookup("Service Interest lead", "fldService000001")],
        views=[{"id": "viwGrid0000000001", "name": "Grid view", "type": "grid"},
               {"id": "viwDecisionProc01", "name": "Decision Processing", "type": "grid"}])
    reviews.view_filters["viwDecisionProc01"] = lambda fields: fields.get(
        "Approval Status") not in (None, "Pending Review")
    fake.add_table(BASE, LOG, "Message Log", [
        {"id": "fldLogName000001", "name": "Name", "type": "autoNumber"},
        {"id": "fld4oXRLjul6IwbOv", "name": "Linked Lead", "type": "multipleRecordLinks",
         "options": {"linkedTableId": LEADS}},
        {"id": "fldy6GV1eKOPJROiS", "name": "Linked Review", "type": "multipleRecordLinks",
         "options": {"linkedTableId": REVIEWS}},
        {"id": "fldqmi0hxajc8zATM", "name": "Channel",
         **select("Email", "WhatsApp", "Phone call", "Manual", "None")},
        {"id": "fldOzqksbSnSMPtdU", "name": "Final Message", "type": "multilineText"},
        {"id": "flddLOjldt5OKgORN", "name": "Sent Status",
         **select("Queued", "Sent", "Failed", "Cancelled")},
        {"id": "fldqXZE687mXhasVo", "name": "Sent At", "type": "dateTime"},
        {"id": "flduFN9K4AzVQAsQZ", "name": "Error Message", "type": "multilineText"}])
    fake.add_table(BASE, DRAFTS, "AI Drafts", [
        {"id": "fldDraftName0001", "name": "Name", "type": "singleLineText"}])


def sent_mail(fake: FakeGoogle) -> list[Any]:
    return [message_from_bytes(m.raw, policy=email_policy)
            for m in fake.messages.values() if m.labels == ["SENT"]]


def test_reviewed_leads_are_emailed_logged_and_posted_to_slack(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_google: FakeGoogle,
        fake_slack: FakeSlack, fake_airtable: FakeAirtable,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "follow-up.blueprint.json"
    path.write_text(filled_in(exported(FOLLOW_UP).read_text(encoding="utf-8"), FILLED_IN),
                    encoding="utf-8")
    workspace = tmp_path / "ws"
    ws = ("--data-dir", str(workspace))
    lead_base(fake_airtable)
    fake_slack.add_channel(ALERTS, "lead-review-alerts")
    fake_slack.add_channel(ERRORS, "lead-review-errors")
    start = datetime.now(UTC) - timedelta(hours=2)
    leads = {}
    for i, (name, email, company, service, contact) in enumerate([
            ("Ada", "ada@lovelace.example", "Analytical Engines", "Website Redesign", "Email"),
            ("Grace", "grace@navy.example", "US Navy", "SEO Audit", "WhatsApp"),
            ("Linus", "", "Kernel Co", "Automation", ""),
            ("Alan", "alan@turing.example", "Bletchley", "Website Redesign", "Email"),
            ("Barbara", "barbara@liskov.example", "CLU Inc", "Consulting", "No preference")]):
        leads[name] = fake_airtable.add_record(BASE, LEADS, {
            "Full Name": name, "Email": email, "Company": company, "Service Interest": service,
            "Preferred Contact Method": contact, "Original Message": f"{name} needs help",
            "Lead Status": "Pending Review"}, start + timedelta(minutes=i))["id"]
    reviews = {}
    for i, (name, status, reply) in enumerate([
            ("Ada", "Approved", "Hi Ada,\nhere is our redesign proposal."),
            ("Grace", "Approved", "Hi Grace, we'll call you on WhatsApp."),
            ("Linus", "Approved", "Hi Linus, thanks for reaching out."),
            ("Alan", "Needs Edit", "Hi Alan, ..."),
            ("Barbara", "Approved", "Hi Barbara, happy to help.")]):
        reviews[name] = fake_airtable.add_record(BASE, REVIEWS, {
            "Linked Lead": [leads[name]], "Approval Status": status, "Approved Reply": reply},
            start + timedelta(minutes=10 + i))["id"]
    fake_airtable.add_record(BASE, REVIEWS, {"Linked Lead": [leads["Ada"]],
                                             "Approval Status": "Pending Review"})

    # connections: Airtable (a personal access token, three ids in the export), Slack (the
    # user's Slack app, OAuth with PKCE), Gmail (Google, OAuth with PKCE), the Groq key the
    # HTTP modules name (its routes are not taken here, but a run needs every connection)
    code, out, err = cli(capsys, "connections", "add", "airtable:token", "--name", "Airtable",
                         "--set", f"token={AIRTABLE_TOKEN}", "--base-url", fake_airtable.url,
                         "--make-id", "<CONN_01>", "--json", *ws)
    assert code == 0, err
    for make_id in ("<CONN_02>", "<CONN_04>"):
        code, _, err = cli(capsys, "connections", "edit", json.loads(out)["id"], "--make-id",
                           make_id, *ws)
        assert code == 0, err
    browse_consent(monkeypatch, fake_slack, fake_google)
    slack = connect_slack(capsys, fake_slack, ws, "<CONN_03>", workspace)
    user_token = slack.secret_data["accessToken"]
    google_connect(capsys, fake_google, ws, "<CONN_05>")
    code, _, err = cli(capsys, "connections", "add", "http:apikeyauth", "--name", "Groq",
                       "--set", "key=gsk_groq-key-5d1e", "--set", "name=Authorization",
                       "--make-id", "<KEYCHAIN_01>", *ws)
    assert code == 0, err

    report, out1, err1 = run(capsys, path, ws)
    ran = {int(m) for m, out in report["modules"].items() if out["operations"]}
    assert ran == {1, 3, 64, 65, 66, 151,  # the watch, then the if/else on each review
                   72, 83, 84, 85,  # Ada: e-mail, lead Sent, log, Slack
                   71, 80, 82,  # Grace: Slack (WhatsApp is manual), lead, log
                   67, 92, 78,  # Linus: Slack (no contact at all), lead, log
                   51, 53, 108, 109,  # Alan: the reviewer is asked for notes, back to review
                   160, 161, 169, 162}  # Barbara: e-mail, lead Sent, log, Slack
    assert report["modules"]["1"]["operations"] == 1 and report["warnings"] == []
    assert [b["Review ID"] for b in report["modules"]["1"]["outputs"]] == [1, 2, 3, 4, 5]
    [watch] = fake_airtable.calls("POST", "/listRecords")
    assert watch.path == f"/v0/{BASE}/{REVIEWS}/listRecords"
    assert watch.json()["view"] == "viwDecisionProc01"
    assert watch.headers["authorization"] == f"Bearer {AIRTABLE_TOKEN}"

    # Gmail: Ada (asked for e-mail) and Barbara (no preference) get the approved reply; the
    # reviewer is asked for the notes Alan's review lacks
    mails = {str(m["To"]): m for m in sent_mail(fake_google)}
    assert set(mails) == {"ada@lovelace.example", "barbara@liskov.example", REVIEWER}
    assert mails["ada@lovelace.example"]["Subject"] == "Your Website Redesign follow-up"
    body = mails["ada@lovelace.example"].get_body(("html",))
    assert body is not None and "Hi Ada,<br>here is our redesign proposal." in \
        body.get_content()
    assert mails["barbara@liskov.example"]["Subject"] == "Consulting follow-up"
    assert mails[REVIEWER]["Subject"] == "Reviewer notes required for lead draft revision"
    assert all(r.headers["authorization"] == f"Bearer {fake_google.access_token}"
               for r in fake_google.calls("POST", "/gmail/v1/users/me/messages/send"))

    # Airtable: each lead's status, one Message Log row per lead contacted or queued
    lead_status = {r["fields"]["Full Name"]: (r["fields"]["Lead Status"], r["fields"].get("Notes"))
              for r in fake_airtable.records(BASE, LEADS)}
    assert lead_status == {
        "Ada": ("Sent", "Approved reply sent by email."),
        "Grace": ("Manual Follow-Up Required", "Lead requested WhatsApp follow-up. Approved "
                  "reply is ready. Human follow-up required."),
        "Linus": ("Manual Follow-Up Required", "Approved, but no preferred contact method or "
                  "usable email address was available. Human follow-up required."),
        "Alan": ("Pending Review", "Reviewer selected Needs Edit but did not provide revision "
                 "notes. Reviewer was notified to add instructions."),
        "Barbara": ("Sent", "Approved reply sent by email because no preferred contact "
                    "method was chosen.")}
    log = {tuple(r["fields"]["Linked Lead"]): r["fields"]
           for r in fake_airtable.records(BASE, LOG)}
    assert {lead: (f["Channel"], f["Sent Status"], f.get("Linked Review"))
            for lead, f in log.items()} == {
        (leads["Ada"],): ("Email", "Sent", [reviews["Ada"]]),
        (leads["Grace"],): ("WhatsApp", "Queued", [reviews["Grace"]]),
        (leads["Linus"],): ("Manual", "Queued", [reviews["Linus"]]),
        (leads["Barbara"],): ("Email", "Sent", [reviews["Barbara"]])}
    assert log[(leads["Ada"],)]["Final Message"] == "Hi Ada,\nhere is our redesign proposal."
    assert log[(leads["Ada"],)]["Sent At"].startswith(str(datetime.now(UTC).year))
    [alan] = [r for r in fake_airtable.records(BASE, REVIEWS) if r["id"] == reviews["Alan"]]
    assert alan["fields"]["Approval Status"] == "Pending Review"
    created = fake_airtable.calls("POST", f"/v0/{BASE}/{LOG}")
    assert [r.json()["typecast"] for r in created] == [False] * 4
    assert created[0].json()["fields"]["fld4oXRLjul6IwbOv"] == [leads["Ada"]]

    # Slack: the four alerts, in the alerts channel, as the user who authorized Scenarist
    posts = fake_slack.called("chat.postMessage")
    assert [p["channel"] for p, _ in posts] == [ALERTS] * 4
    assert all(token == user_token for _, token in posts)
    texts = [p["text"] for p, _ in posts]
    assert texts[0].startswith("\u2705 Approved reply sent\n\nReview ID: 1\n"
                               "Service Interest: Website Redesign\nChannel: Email")
    assert texts[1].startswith("\U0001f4cc Manual WhatsApp follow-up required")
    assert "Approved reply:\r\nHi Grace, we'll call you on WhatsApp." in texts[1]
    assert "Review ID: 3" in texts[2] and "Review ID: 5" in texts[3]
    assert all(p["mrkdwn"] == "true" and "parse" not in p for p, _ in posts)
    assert [m["text"] for m in fake_slack.messages[ALERTS]] == texts
    assert report["modules"]["85"]["outputs"][0]["channel"] == ALERTS

    # run 2: nothing new in the view: nothing is sent again
    report, out2, err2 = run(capsys, path, ws)
    assert report["modules"]["1"]["operations"] == 1 and len(sent_mail(fake_google)) == 3
    assert len(fake_slack.called("chat.postMessage")) == 4
    secrets = [AIRTABLE_TOKEN, fake_slack.client_secret, user_token,
               slack.secret_data["refreshToken"], fake_google.client_secret,
               fake_google.access_token, fake_google.refresh_token, "gsk_groq-key-5d1e"]
    assert leaks(secrets, workspace, [("report 1", out1), ("stderr 1", err1),
                                      ("report 2", out2), ("stderr 2", err2)]) == []

