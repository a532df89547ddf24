"""Make's labels, not internal ids: dropdowns, Find module, help texts."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from app.gui.document import ScenarioDocument
from app.gui.find_module import module_entries
from app.gui.names import help_html, humanize
from app.gui.panels.settings import SettingsPanel
from engine.blueprint import Blueprint


def test_http_dropdowns_show_makes_labels(qtbot) -> None:  # noqa: ANN001
    doc = ScenarioDocument()
    http = doc.add_module("http:MakeRequest", 0, 0)
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.show_module(http)
    auth = panel.editor_for("parameters", "authenticationType").combo  # type: ignore[union-attr]
    assert auth.currentText() == "No authentication"  # Make's default, by its label
    method = panel.editor_for("mapper", "method").combo  # type: ignore[union-attr]
    texts = [method.itemText(i) for i in range(method.count())]
    assert "POST" in texts and "post" not in texts
    body = panel.editor_for("mapper", "inputMethod").combo  # type: ignore[union-attr]
    assert "JSON string" in [body.itemText(i) for i in range(body.count())]


def test_find_module_names_modules_as_the_canvas_does(qapp) -> None:  # noqa: ANN001
    blueprint = Blueprint.model_validate({"name": "x", "flow": [
        {"id": 1, "module": "gateway:CustomWebHook", "version": 1, "parameters": {},
         "metadata": {"designer": {"x": 0, "y": 0}}},
        {"id": 2, "module": "slack:CreateMessage", "version": 1, "parameters": {},
         "metadata": {"designer": {"x": 300, "y": 0}}},
    ]})
    entries = dict(module_entries(ScenarioDocument(blueprint)))
    assert entries == {1: "1  Custom webhook · Webhooks", 2: "2  Create message · Slack"}
    assert humanize("watchNewRows") == "Watch new rows" and humanize("ParseJSON") == "Parse JSON"


def test_help_texts_render_their_markdown(qtbot) -> None:  # noqa: ANN001
    html = help_html("Use `{{1.id}}` or **bold** and [docs](https://example.com/x).\nNext")
    assert "`" not in html and "**" not in html
    assert "<code>{{1.id}}</code>" in html and "<b>bold</b>" in html
    assert '<a href="https://example.com/x">docs</a>' in html and "<br>" in html

    doc = ScenarioDocument()
    hook = doc.add_module("gateway:CustomWebHook", 0, 0)
    panel = SettingsPanel(doc)
    qtbot.addWidget(panel)
    panel.show_module(hook)
    helps = [label.text() for label in panel.findChildren(QLabel, "field_help")]
    assert any("<code>__IMTMETHOD__</code>" in text for text in helps)
    assert not any("`" in text for text in helps)
