"""The scene is a projection of the document: one item per module, link and note, kept
in step with every edit and its undo."""

from __future__ import annotations

from app.gui.canvas import ScenarioScene
from app.gui.canvas.module_item import HUB_RADIUS, RADIUS
from app.gui.document import ScenarioDocument
from engine.blueprint import Blueprint


def link_keys(scene: ScenarioScene) -> set[tuple[int, int, str]]:
    return {(i.link.source, i.link.target, i.link.kind) for i in scene.link_items()}


def test_router_fallback_scene_has_every_module_and_link(qtbot, document):
    scene = ScenarioScene(document)
    assert sorted(scene.modules) == [1, 2, 3, 4, 5, 6]
    assert link_keys(scene) == {
        (1, 2, "flow"),
        (2, 3, "flow"),
        (3, 4, "route"),
        (3, 5, "route"),
        (3, 6, "route"),
    }
    # items sit where Make's designer put them
    assert (scene.modules[5].x(), scene.modules[5].y()) == (900, 150)
    # the trigger is a webhook (instant), the router is a small hub
    assert scene.modules[1].look.first and scene.modules[1].look.trigger_kind == "instant_trigger"
    assert not scene.modules[2].look.first
    assert scene.modules[3].radius == HUB_RADIUS and scene.modules[2].radius == RADIUS
    # filters sit on the links into 5 and 6; route 0 is the fallback
    assert scene.link_item(3, 5).filled and scene.link_item(3, 6).filled
    assert not scene.link_item(3, 4).filled
    assert scene.link_item(3, 4).link.fallback and not scene.link_item(3, 5).link.fallback
    # labels come from the registry's declarations
    assert scene.modules[4].look.label == "Make a request (legacy)"
    # links start on the source's right side and end on the target's left side
    curve = scene.link_item(1, 2).curve()
    assert curve.pointAtPercent(0) == scene.modules[1].output_scene_pos()
    assert curve.pointAtPercent(1) == scene.modules[2].input_scene_pos()


def test_unsupported_module_is_a_marked_placeholder(qtbot):
    blueprint = Blueprint.model_validate(
        {
            "name": "x",
            "flow": [
                {
                    "id": 1,
                    "module": "slack:PostMessage",
                    "version": 1,
                    "parameters": {"channel": "C1"},
                    "metadata": {"designer": {"x": 0, "y": 0}},
                },
            ],
        }
    )
    doc = ScenarioDocument(blueprint)
    scene = ScenarioScene(doc)
    item = scene.modules[1]
    assert not item.look.supported
    assert "Not supported yet" in item.toolTip()
    assert item.look.label == "Post message"  # named as Make would, not by its id


def test_structure_edits_add_and_remove_items_and_undo_restores(qtbot, document):
    scene = ScenarioScene(document)
    kept = scene.modules[2]
    new_id = document.add_module("util:SetVariable2", 1300, 400)
    assert new_id in scene.modules and scene.modules[new_id].look.label == "Set variable"
    document.connect(6, new_id)
    assert (6, new_id, "flow") in link_keys(scene)
    assert scene.modules[6].look.has_successor
    document.delete_modules([5])
    assert 5 not in scene.modules and (3, 5, "route") not in link_keys(scene)
    for _ in range(3):
        document.undo_stack.undo()
    assert sorted(scene.modules) == [1, 2, 3, 4, 5, 6]
    assert (3, 5, "route") in link_keys(scene)
    assert scene.modules[2] is kept  # unchanged modules keep their items


def test_moves_renames_and_filters_refresh_only_what_changed(qtbot, document):
    scene = ScenarioScene(document)
    document.move_modules({2: (320, 60)})
    assert (scene.modules[2].x(), scene.modules[2].y()) == (320, 60)
    assert scene.link_item(1, 2).curve().pointAtPercent(1) == scene.modules[2].input_scene_pos()
    document.rename_module(4, "Fallback call")
    assert scene.modules[4].look.label == "Fallback call"
    document.set_filter(4, {"name": "big", "conditions": [[{"a": "1", "o": "exist"}]]})
    assert scene.link_item(3, 4).filled
    document.undo_stack.undo()
    assert not scene.link_item(3, 4).filled
    document.undo_stack.undo()
    assert scene.modules[4].look.label == "Make a request (legacy)"
    document.undo_stack.undo()
    assert (scene.modules[2].x(), scene.modules[2].y()) == (300, 0)


def test_notes_follow_the_document(qtbot, document):
    scene = ScenarioScene(document)
    assert scene.notes == []
    document.set_note(2, "Splits the orders")
    assert [(n.module_id, n.text) for n in scene.notes] == [(2, "Splits the orders")]
    note = scene.notes[0]
    assert note.y() < scene.modules[2].y()  # above its bubble
    document.move_modules({2: (300, 500)})
    assert scene.notes[0].y() > 400  # and it moved with it
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert scene.notes == []


def test_filter_notes_sit_on_the_link(qtbot):
    blueprint = Blueprint.model_validate(
        {
            "name": "x",
            "flow": [
                {
                    "id": 1,
                    "module": "util:SetVariable2",
                    "metadata": {"designer": {"x": 0, "y": 0}},
                },
                {
                    "id": 2,
                    "module": "util:SetVariable2",
                    "metadata": {"designer": {"x": 300, "y": 0}},
                },
            ],
            "metadata": {
                "designer": {"notes": [{"id": 2, "text": "only big ones", "filter": True}]}
            },
        }
    )
    scene = ScenarioScene(ScenarioDocument(blueprint))
    (note,) = scene.notes
    funnel = scene.link_item(1, 2).funnel_scene_pos()
    assert abs(note.x() - funnel.x()) < 1 and note.y() < funnel.y()
