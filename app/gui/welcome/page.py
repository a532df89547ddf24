"""The welcome screen: create a scenario, import one from Make (with how to export it
there), or start from a template, the no-account one chosen first."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.templates import Template, load_templates

MAKE_EXPORT_GUIDE = (
    "<b>From Make:</b> open the scenario in Make's editor, click <b>⋯</b> (More) in the "
    "toolbar at the bottom and choose <b>Export Blueprint</b>. Make saves a "
    "<code>.json</code> file: choose it with <b>Import from Make…</b>. Connections are "
    "not exported; Scenarist asks for them when a module needs one."
)
_ROLE = Qt.ItemDataRole.UserRole
MAX_WIDTH = 1180


class WelcomePage(QWidget):
    new_requested = Signal()
    import_requested = Signal()
    back_requested = Signal()
    template_chosen = Signal(object)  # Template

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome_page")
        self.templates = load_templates()
        column = QWidget()  # a readable width on a wide screen, centred
        column.setMaximumWidth(MAX_WIDTH)
        centred = QHBoxLayout(self)
        centred.addStretch(1)
        centred.addWidget(column, 100)
        centred.addStretch(1)
        outer = QVBoxLayout(column)
        outer.setContentsMargins(48, 32, 48, 32)
        outer.setSpacing(14)
        self.back_button = QPushButton("← Back to your scenarios")
        self.back_button.setFlat(True)
        self.back_button.clicked.connect(self.back_requested.emit)
        self.back_button.hide()  # shown when scenarios are open behind the page
        outer.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        title = QLabel("Welcome to Scenarist")
        title.setStyleSheet("font-size: 22pt; font-weight: 600;")
        outer.addWidget(title)
        outer.addWidget(_wrapped(
            "Design, debug and run Make scenarios on this computer. Start from a template "
            "below: <b>My first scenario</b> needs no account and no network. Open it and "
            "press <b>▶ Run once</b> (Ctrl+R) to see every module's operations."))

        actions = QHBoxLayout()
        self.new_button = QPushButton("Create a scenario")
        self.new_button.clicked.connect(self.new_requested.emit)
        self.import_button = QPushButton("Import from Make…")
        self.import_button.clicked.connect(self.import_requested.emit)
        for button in (self.new_button, self.import_button):
            button.setMinimumHeight(34)
            actions.addWidget(button)
        actions.addStretch(1)
        outer.addLayout(actions)
        guide = _wrapped(MAKE_EXPORT_GUIDE)
        guide.setObjectName("make_export_guide")
        outer.addWidget(guide)

        heading = QLabel("Start from a template")
        heading.setStyleSheet("font-size: 14pt; font-weight: 600;")
        outer.addWidget(heading)
        row = QHBoxLayout()
        self.list = QListWidget()
        self.list.setObjectName("template_list")
        self.list.setMaximumWidth(340)
        self.list.setStyleSheet("QListWidget::item { padding: 5px 4px; }")
        for found in self.templates:
            item = QListWidgetItem(found.title)
            item.setData(_ROLE, found.slug)
            item.setToolTip(found.description)
            self.list.addItem(item)
        self.list.currentRowChanged.connect(self._show)
        self.list.itemActivated.connect(lambda _item: self.use_current())
        row.addWidget(self.list)
        detail = QVBoxLayout()
        self.description = _wrapped("")
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop)
        detail.addWidget(self.description)
        self.sample_label = QLabel("Sample payload:")
        detail.addWidget(self.sample_label)
        self.sample = QPlainTextEdit()
        self.sample.setReadOnly(True)
        self.sample.setMaximumHeight(170)
        detail.addWidget(self.sample)
        self.use_button = QPushButton("Use this template")
        self.use_button.setDefault(True)
        self.use_button.setMinimumHeight(34)
        self.use_button.clicked.connect(self.use_current)
        detail.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignLeft)
        detail.addStretch(1)
        row.addLayout(detail, 1)
        outer.addLayout(row, 1)
        if self.templates:
            self.list.setCurrentRow(0)

    def current(self) -> Template | None:
        row = self.list.currentRow()
        return self.templates[row] if 0 <= row < len(self.templates) else None

    def select(self, slug: str) -> None:
        for row, found in enumerate(self.templates):
            if found.slug == slug:
                self.list.setCurrentRow(row)

    def use_current(self) -> None:
        chosen = self.current()
        if chosen is not None:
            self.template_chosen.emit(chosen)

    def _show(self, _row: int) -> None:
        chosen = self.current()
        self.description.setText(chosen.description if chosen else "")
        sample = chosen.sample_text() if chosen else None
        self.sample_label.setText(
            "Sample payload (Run once offers it):" if chosen and chosen.starts_with_webhook
            else "The data it starts from:")
        self.sample_label.setVisible(sample is not None)
        self.sample.setVisible(sample is not None)
        self.sample.setPlainText(sample or "")
        self.use_button.setEnabled(chosen is not None)


def _wrapped(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label
