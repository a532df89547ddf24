"""What a Make user sees on the canvas: module labels under the bubbles, a router glyph,
no filter on error-handler links, readable zoom after "fit", piled-up imports laid out."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor

from app.gui.canvas import ScenarioScene, ScenarioView, icons
from app.gui.canvas.overlap import modules_overlap
from app.gui.canvas.view import SMALL_FIT_ZOOM
from app.gui.document import ScenarioDocument
from engine.loading import load_blueprint

CASES = Path("/work/shared/acceptance/cases")
PILED_UP = Path(
    "/work/shared/corpus/blueprints/"
    "Joseph19820124__make-blueprint-20250527__blueprint-skool-scraper-0525.json"
)


def white_pixels(module_type: str) -> int:
    image = icons.glyph_pixmap(module_type, 48).toImage()
    return sum(
        1 for y in range(48) for x in range(48) if QColor.fromRgba(image.pixel(x, y)).alpha() > 200
    )


def test_the_title_is_the_module_label_and_the_app_is_below(qtbot, document):
    scene = ScenarioScene(document)
    router, http = scene.modules[3], scene.modules[4]
    assert (router.title, router.subtitle) == ("Router", "Flow Control")
    assert http.look.label == "Make a request (legacy)" and http.subtitle == "HTTP"
    assert http.title.startswith("Make a request")  # long titles are elided under the bubble
    document.rename_module(4, "Fallback call")
    assert scene.modules[4].title == "Fallback call"


def test_router_and_flow_control_have_a_drawn_glyph_not_letters(qtbot):
    assert icons.glyph_for("builtin") == ""  # the palette group showed "Bu"
    assert white_pixels("builtin:BasicRouter") > 40
    assert white_pixels("builtin") > 40


def test_error_handler_links_carry_no_filter_funnel(qtbot, document):
    handler = document.add_error_handler(4, "Ignore")
    scene = ScenarioScene(document)
    error_link = scene.link_item(4, handler)
    assert error_link is not None and error_link.link.kind == "onerror"
    assert not error_link.has_funnel
    assert not error_link.funnel_contains(error_link.funnel_scene_pos())
    menu = scene.link_menu(error_link.link)
    assert "Set up a filter" not in [a.text() for a in menu.actions()]
    assert scene.link_item(1, 2).has_funnel


def test_fit_keeps_a_small_scenario_readable_and_centred(qtbot):
    doc = ScenarioDocument.open(CASES / "iterator-aggregator" / "blueprint.json")
    view = ScenarioView(ScenarioScene(doc))
    qtbot.addWidget(view)
    view.resize(1000, 600)  # 5 modules 1,200 wide: a plain fit would zoom to ~0.65
    view.show()
    view.fit()
    assert view.zoom() == SMALL_FIT_ZOOM
    centre = view.mapToScene(view.viewport().rect().center())
    middle = view.canvas().modules_rect().center()
    assert abs(centre.x() - middle.x()) < 5 and abs(centre.y() - middle.y()) < 5
    view.resize(1600, 600)
    view.fit()
    assert view.zoom() == 1.0  # never zoomed in past 100%
    doc.undo_stack.clear()


def test_modules_piled_on_one_spot_are_laid_out_on_open_without_dirtying(qtbot):
    from app.gui.editor import ScenarioEditor

    doc = ScenarioDocument(load_blueprint(PILED_UP), PILED_UP)
    assert modules_overlap(doc.graph())
    editor = ScenarioEditor(doc)
    qtbot.addWidget(editor)
    assert editor.laid_out_on_open
    assert not modules_overlap(doc.graph())
    assert not doc.dirty and doc.undo_stack.count() == 0
    with qtbot.waitSignal(editor.message) as said:
        pass
    assert "laid out" in said.args[0]


def test_a_scenario_laid_out_by_make_keeps_its_positions(qtbot):
    doc = ScenarioDocument.open(CASES / "iterator-aggregator" / "blueprint.json")
    before = {i: (m.x, m.y) for i, m in doc.graph().modules.items()}
    from app.gui.editor import ScenarioEditor

    editor = ScenarioEditor(doc)
    qtbot.addWidget(editor)
    assert not editor.laid_out_on_open
    assert {i: (m.x, m.y) for i, m in doc.graph().modules.items()} == before


def test_names_are_readable_at_fit_in_an_ordinary_window(qtbot, tmp_path):
    """At "fit", a Make scenario of a dozen modules (two routers) shows names and icons in a
    1440×900 window, never plain dots; a long name loses its end, not its first letter."""
    from app.gui.canvas.module_item import NAME_MIN_PX, label_metrics
    from app.gui.main_window import MainWindow

    sense_flow = CASES.parent.parent / "corpus" / "blueprints" / (
        "SenseFlow-io__make-blueprint__SenseFlow example.blueprint.json")
    window = MainWindow(tmp_path)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    for source in (CASES / "iterator-aggregator" / "blueprint.json", sense_flow):
        editor = window.open_file(source)
        assert editor is not None
        editor.fit()
        view = editor.view
        assert view.shows_names(), (source.name, view.zoom())
        px, _subtitle, _width = label_metrics(view.zoom())
        assert px * view.zoom() >= NAME_MIN_PX - 0.5  # on screen, at least 11 px tall
        for item in editor.canvas.modules.values():
            lines = item.name_lines(view.zoom())
            assert 1 <= len(lines) <= 2
            assert item.look.label.startswith(lines[0].rstrip("…").strip())
            assert item.look.label in item.toolTip()
    window.discard_and_close()


def test_long_names_elide_at_the_end_on_two_lines():
    from app.gui.canvas.module_item import wrapped

    lines = wrapped("Set multiple variables for the whole execution of this scenario", 15, 170)
    assert len(lines) == 2 and lines[0].startswith("Set multiple") and lines[1].endswith("…")
    assert wrapped("Router", 15, 170) == ("Router",)


def test_a_link_to_a_module_behind_never_loops_behind_the_bubbles(qtbot, document):
    scene = ScenarioScene(document)
    document.move_modules({2: (-400.0, 300.0)})  # module 2 laid out left of and below 1
    link = scene.link_item(1, 2)
    assert link is not None
    path = link.curve()
    for k in range(1, 20):
        point = path.pointAtPercent(k / 20)
        for module_id in (1, 2):
            centre = scene.modules[module_id].pos()
            distance = ((point - centre).x() ** 2 + (point - centre).y() ** 2) ** 0.5
            assert distance >= scene.modules[module_id].radius - 1


def test_filter_labels_are_drawn_on_their_links(qtbot, document):
    scene = ScenarioScene(document)
    document.set_filter(2, {"name": "Only POST", "conditions": [
        [{"a": "{{1.__IMTMETHOD__}}", "o": "text:equal", "b": "POST"}]]})
    link = scene.link_item(1, 2)
    assert link is not None and link.filled and link.label_text() == "Only POST"
    document.undo_stack.undo()
    assert scene.link_item(1, 2).label_text() is None


def test_the_minimap_is_small_and_hides_while_everything_is_in_view(qtbot, document):
    from app.gui.canvas import minimap

    view = ScenarioView(ScenarioScene(document))
    qtbot.addWidget(view)
    view.resize(1300, 700)
    view.show()
    view.fit()
    assert not view.minimap.isVisible()  # it would only cover modules
    view.set_zoom(2.0)
    assert view.minimap.isVisible()
    assert minimap.WIDTH * minimap.HEIGHT <= 160 * 100
    view.set_minimap_enabled(False)
    assert not view.minimap.isVisible()


def test_a_large_import_shows_icons_then_names_within_a_few_zoom_steps(qtbot, tmp_path):
    from app.gui.main_window import MainWindow

    cricket = CASES.parent.parent / "corpus" / "blueprints" / (
        "amrit-dash__Make-Automation-Projects__Cricket Bot__Amrit's Cricket Responder Bot.json")
    window = MainWindow(tmp_path)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    editor = window.open_file(cricket)
    assert editor is not None and len(editor.canvas.modules) == 77
    editor.fit()
    view = editor.view
    steps = 0
    while not view.shows_names():
        window.act_zoom_in.trigger()
        steps += 1
    assert steps <= 6, steps
    window.discard_and_close()
