"""A scenario from a template: the template's blueprint copied into the workspace's
scenarios, its sample payload remembered for Run once, the scenario opened on the canvas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.gui.debugger.side_store import SideStore
from app.gui.debugger.webhook_wait import LAST_PAYLOAD
from app.gui.document import write_atomic
from app.gui.workspace_panel import unique_path
from app.templates import Template

if TYPE_CHECKING:
    from app.gui.editor import ScenarioEditor
    from app.gui.main_window import MainWindow


def create_from_template(window: MainWindow, chosen: Template) -> ScenarioEditor | None:
    panel = window.workspace_panel
    name = str(chosen.blueprint().get("name") or chosen.title)
    target = unique_path(panel.scenarios_dir, name)
    write_atomic(target, chosen.blueprint_path.read_bytes())
    sample = chosen.sample_text()
    if sample is not None:  # the Run once dialog of a webhook scenario starts with it
        SideStore(window.workspace, target).put(LAST_PAYLOAD, sample)
    panel.refresh()
    panel.select(target)
    editor = window.open_file(target)
    if editor is not None:
        window.show_message(f"Created “{name}” from a template: press ▶ Run once (Ctrl+R) "
                            "to try it")
    return editor
