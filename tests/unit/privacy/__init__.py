"""Tests for the privacy domain (unit)."""
