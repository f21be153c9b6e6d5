"""Tests for the audit domain (unit)."""
