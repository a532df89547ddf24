"""The filter editor: OR groups of AND conditions, every operator, validation on OK."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from app.gui.panels.filter_editor import FilterEditor, operator_label
from engine.filters import OPERATORS

TWO_GROUPS = {
    "name": "Big or VIP",
    "conditions": [
        [{"a": "{{2.qty}}", "o": "number:greater", "b": "10"}],
        [
            {"a": "{{1.customer.tier}}", "o": "text:contain:ci", "b": "vip"},
            {"a": "{{1.email}}", "o": "exist"},
        ],
    ],
}


def editor(qtbot, value=None) -> FilterEditor:  # noqa: ANN001
    dialog = FilterEditor(value)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def ok(dialog: FilterEditor) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_two_group_filter_round_trips(qtbot) -> None:  # noqa: ANN001
    dialog = editor(qtbot, TWO_GROUPS)
    assert len(dialog.groups) == 2 and len(dialog.groups[1].rows) == 2
    row = dialog.groups[1].rows[0]
    assert row.operator.currentText() == "Text operators: Contains (case insensitive)"
    assert not dialog.groups[1].rows[1].b.isVisibleTo(dialog)  # "exist" has no right side
    ok(dialog)
    assert dialog.result() == FilterEditor.DialogCode.Accepted
    assert dialog.value() == TWO_GROUPS


def test_building_a_filter_with_and_or_rules(qtbot) -> None:  # noqa: ANN001
    dialog = editor(qtbot)
    QTest.keyClicks(dialog.name, "Adults")
    first = dialog.groups[0].rows[0]
    QTest.keyClicks(first.a, "{{1.age}}")
    first.operator.setCurrentIndex(first.operator.findData("number:greaterorequal"))
    QTest.keyClicks(first.b, "18")
    QTest.mouseClick(dialog.groups[0].add_and, Qt.MouseButton.LeftButton)
    second = dialog.groups[0].rows[1]
    QTest.keyClicks(second.a, "{{1.country}}")
    second.operator.setCurrentIndex(second.operator.findData("text:equal:ci"))
    QTest.keyClicks(second.b, "cz")
    QTest.mouseClick(dialog.add_or, Qt.MouseButton.LeftButton)
    third = dialog.groups[1].rows[0]
    QTest.keyClicks(third.a, "{{1.override}}")
    third.operator.setCurrentIndex(third.operator.findData("boolean:equal"))
    QTest.keyClicks(third.b, "true")
    QTest.mouseClick(second.remove_button, Qt.MouseButton.LeftButton)
    ok(dialog)
    assert dialog.value() == {"name": "Adults", "conditions": [
        [{"a": "{{1.age}}", "o": "number:greaterorequal", "b": "18"}],
        [{"a": "{{1.override}}", "o": "boolean:equal", "b": "true"}],
    ]}


def test_ok_refuses_an_invalid_mapping(qtbot) -> None:  # noqa: ANN001
    dialog = editor(qtbot)
    row = dialog.groups[0].rows[0]
    QTest.keyClicks(row.a, "{{1.a +}}")
    ok(dialog)
    assert dialog.isVisible() and dialog.value() is None
    assert row.error.isVisibleTo(dialog)
    assert "column 8" in row.error.text()


def test_remove_filter_returns_none(qtbot) -> None:  # noqa: ANN001
    dialog = editor(qtbot, TWO_GROUPS)
    QTest.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert dialog.removed and dialog.value() is None
    assert dialog.result() == FilterEditor.DialogCode.Accepted


def test_every_operator_is_offered_with_a_readable_label(qtbot) -> None:  # noqa: ANN001
    row = editor(qtbot).groups[0].rows[0]
    offered = {row.operator.itemData(i) for i in range(row.operator.count())}
    assert offered == set(OPERATORS)
    assert operator_label("exist") == "Basic operators: Exists"
    assert operator_label("date:greater") == "Datetime operators: Later than"
    assert operator_label("array:greater") == "Array operators: Length greater than"
    assert operator_label("number:lessorequal") == "Numeric operators: Less than or equal to"


def test_an_unknown_imported_operator_is_kept(qtbot) -> None:  # noqa: ANN001
    value = {"name": "", "conditions": [[{"a": "x", "o": "string:equal", "b": "y"}]]}
    dialog = editor(qtbot, value)
    ok(dialog)
    assert dialog.value() == value
