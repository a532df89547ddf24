"""Make's "Scenario settings" dialog: every setting of `metadata.scenario`, in Make's words.

OK changes the document in one undoable step (engine.edits.commands.set_scenario_settings);
the dialog is not modal, so the canvas stays usable while it is open.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.gui.document import ScenarioDocument

# (key, label, help) in the order Make lists them.
SWITCHES = (
    ("sequential", "Sequential processing",
     "Runs one at a time in the order they came; while an incomplete execution waits, "
     "no new run starts until it is resolved."),
    ("confidential", "Data is confidential",
     "The execution history keeps no bundle data of this scenario."),
    ("dlq", "Allow storing of incomplete executions",
     "A run that fails is kept as an incomplete execution, to fix and retry, instead of "
     "being rolled back."),
    ("dataloss", "Enable data loss",
     "When an incomplete execution cannot be stored, it is dropped rather than stopping "
     "the scenario."),
    ("autoCommit", "Auto commit",
     "Each module commits as soon as it has run, not at the end of the cycle."),
    ("autoCommitTriggerLast", "Commit trigger last",
     "The trigger commits after every other module."),
)
NUMBERS = (
    ("roundtrips", "Max number of cycles", 1, 10_000,
     "How many cycles one run may do (each cycle takes the trigger's next bundles)."),
    ("maxErrors", "Number of consecutive errors", 1, 100,
     "A scheduled scenario is switched off after this many failed runs in a row."),
)


class ScenarioSettingsDialog(QDialog):
    def __init__(self, document: ScenarioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWindowTitle(f"Scenario settings — {document.name}")
        self.switches: dict[str, QCheckBox] = {}
        self.numbers: dict[str, QSpinBox] = {}
        settings = document.blueprint.metadata.scenario
        advanced = QGroupBox("Advanced settings", self)
        column = QVBoxLayout(advanced)
        for key, label, help_text in SWITCHES:
            box = QCheckBox(label, advanced)
            box.setObjectName(key)
            box.setChecked(bool(getattr(settings, key)))
            box.setToolTip(help_text)
            column.addWidget(box)
            hint = QLabel(help_text, advanced)
            hint.setWordWrap(True)
            hint.setStyleSheet("color: #6f6d7a; margin-left: 22px; margin-bottom: 4px")
            column.addWidget(hint)
            self.switches[key] = box
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for key, label, low, high, help_text in NUMBERS:
            spin = QSpinBox(self)
            spin.setObjectName(key)
            spin.setRange(low, high)
            value = getattr(settings, key)
            spin.setValue(int(value) if isinstance(value, int) else low)
            spin.setToolTip(help_text)
            form.addRow(label, spin)
            self.numbers[key] = spin
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(advanced)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.finished.connect(lambda _result: self.deleteLater())

    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {k: box.isChecked() for k, box in self.switches.items()}
        found.update({k: spin.value() for k, spin in self.numbers.items()})
        return found

    def accept(self) -> None:
        self.document.set_scenario_settings(self.values())
        super().accept()
