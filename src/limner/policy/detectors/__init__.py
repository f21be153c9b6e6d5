"""Prompt detectors; each returns Findings for a text."""
