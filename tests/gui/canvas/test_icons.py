"""App colours are stable and Make-like; icons are generated for every app."""

from __future__ import annotations

import zlib

from app.gui.canvas import icons


def test_builtin_apps_have_fixed_colours_and_others_a_stable_hash():
    assert icons.app_color("http").name() == "#2f7fe0"
    assert icons.app_color("gateway").name() == "#e5396b"
    assert icons.app_color("util") != icons.app_color("http")
    # the same in every process (crc32, not Python's salted hash)
    assert icons.app_color("slack").name() == icons._PALETTE[zlib.crc32(b"slack") % 12]
    assert icons.app_color("slack") == icons.app_color("slack")


def test_glyphs_name_the_module(qtbot):
    assert icons.glyph_for("json:ParseJSON") == "{ }"
    assert icons.glyph_for("builtin:BasicFeeder") == "It"
    assert icons.glyph_for("google-sheets:addRow") == "GS"
    assert icons.glyph_for("slack:PostMessage") == "Sl"
    pixmap = icons.app_pixmap("slack:PostMessage", 32)
    assert pixmap.width() == 32 and not pixmap.toImage().isNull()
    center = pixmap.toImage().pixelColor(4, 16)
    assert center == icons.app_color("slack")
