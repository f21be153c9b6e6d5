"""Tests for the audit domain (integration)."""
