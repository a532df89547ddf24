"""The Incomplete executions dock: a Break from Run once in the app (the error-directives
case, its API hanging up on p2) is listed with its stored bundles; a retry while the API
still fails keeps it pending, one after the API answers resumes and finishes the run;
input bundles can be edited as JSON; Delete drops one."""

from __future__ import annotations

from collections.abc import Callable

from app.gui.debugger import DebugSession
from app.gui.history.incomplete_panel import BundlesEditor
from app.gui.main_window import MainWindow
from tests.gui.debugger.conftest import case_input
from tests.gui.debugger.stub import http_stub
from tests.gui.history.helpers import history_of, run_once

DIRECTIVES = "error-directives"
BREAK_RUN = 2
PRICES = {"GET /price/p1": {"price": 10}, "GET /price/p2": "drop", "GET /price/p3": {"price": 30}}


async def test_a_break_is_listed_and_a_retry_finishes_it(
    window: MainWindow, open_case: Callable[[str, str], DebugSession],
) -> None:
    with http_stub(dict(PRICES)) as stub:
        session = open_case(DIRECTIVES, stub.url)
        execution_id = await run_once(session, case_input(DIRECTIVES, BREAK_RUN))
        result = session.controller.result
        assert result is not None and result.status == "warning"
        assert len(session.controller.incomplete_ids) == 1

        history = history_of(session)
        panel = history.incomplete
        assert [r.id for r in panel.records] == session.controller.incomplete_ids
        assert history.incomplete_dock.windowTitle() == "Incomplete executions (1)"
        record = panel.records[0]
        assert record.execution_id == execution_id and record.module_id == 10
        cells = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
        assert cells[0] == "10. Make a request"
        assert cells[1].startswith("ConnectionError: ")
        assert cells[3] == "0" and cells[4] == "—"  # Break with retry off: no automatic retry

        # Its stored bundles, in the inspector's tree: the item that failed is p2.
        panel.select([record.id])
        labels = panel.bundles.labels()
        assert labels[0] == "Error"
        assert "Bundle of 2. Iterator" in labels
        assert panel.bundles.value(panel.bundles.find("Bundle of 2. Iterator", "id")) == "p2"

        # The API still hangs up: the retry fails again and the execution stays pending.
        await panel.start_retry()
        assert [r.id for r in panel.records] == [record.id]
        assert panel.records[0].attempts == 1
        assert panel.table.item(0, 3).text() == "1"

        # Once the API answers, a retry resumes at module 10 and finishes the run.
        stub.answers["GET /price/p2"] = {"price": 20}
        panel.select([record.id])
        outcomes = await panel.start_retry()
    assert [o.resolved for o in outcomes] == [True]
    assert outcomes[0].result.status == "success"
    # Only p2 was asked again (p1 and p3 were done in the original run).
    assert [r[1] for r in stub.requests].count("/price/p2") == 3
    assert [r[1] for r in stub.requests].count("/price/p1") == 1
    assert panel.records == [] and panel.table.rowCount() == 0
    assert history.incomplete_dock.windowTitle() == "Incomplete executions"
    # Both retries are in the history, each naming the run it resumed.
    rows = history.panel.model.rows
    assert [(r.kind, r.resumed_from) for r in rows[:2]] == [
        ("retry", execution_id), ("retry", execution_id)]
    assert [r.status for r in rows[:2]] == ["success", "warning"]


async def test_input_bundles_are_edited_as_json_and_deleted(
    window: MainWindow, open_case: Callable[[str, str], DebugSession],
) -> None:
    with http_stub(dict(PRICES)) as stub:
        session = open_case(DIRECTIVES, stub.url)
        await run_once(session, case_input(DIRECTIVES, BREAK_RUN))
        panel = history_of(session).incomplete
        record = panel.records[0]
        panel.select([record.id])

        # Not JSON: nothing saved, the dialog says why.
        dialog = BundlesEditor(record.bundles)
        stored = dialog.text.toPlainText()
        dialog.text.setPlainText("{not json")
        dialog._save()
        assert dialog.bundles is None and dialog.error.text().startswith("Not saved")
        assert not panel.edit_bundles(dialog)

        # The failed item becomes p4, which the API knows: the retry uses the edited bundle.
        dialog.text.setPlainText(stored.replace('"p2"', '"p4"'))
        dialog._save()
        assert panel.edit_bundles(dialog)
        assert panel.records[0].bundles[2]["id"] == "p4"
        stub.answers["GET /price/p4"] = {"price": 40}
        panel.select([record.id])
        outcomes = await panel.start_retry()
    assert outcomes[0].resolved
    assert stub.requests[-1][1] == "/price/p4"
    assert panel.records == []

    # Delete: another Break, then dropped from the list without a retry.
    with http_stub(dict(PRICES)) as stub:  # the API hangs up again (on a new port)
        session.editor.document.set_field(
            10, "mapper", ("url",), stub.url + "/price/{{2.id}}")
        await run_once(session, case_input(DIRECTIVES, BREAK_RUN))
    assert len(panel.records) == 1
    panel.select([panel.records[0].id])
    assert panel.delete_selected() == 1
    assert panel.records == []
