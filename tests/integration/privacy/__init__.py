"""Tests for the privacy domain (integration)."""
