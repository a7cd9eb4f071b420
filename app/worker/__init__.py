"""Thin background task entry points."""
