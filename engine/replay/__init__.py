"""Replay of past runs from history: live with the original trigger data (Make's replay), or
deterministic from the recorded external effects, optionally from any module of the run with
an edited input bundle. See `engine.replay.replay`."""

from __future__ import annotations

from engine.replay.replay import ReplayError, ReplayOutcome, load_recorded, replay

__all__ = ["ReplayError", "ReplayOutcome", "load_recorded", "replay"]
