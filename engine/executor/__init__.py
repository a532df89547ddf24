"""Runs a scenario."""
