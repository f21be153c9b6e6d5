"""Prompt detectors; each returns Findings for a text. The registry is limner.policy.registry."""
