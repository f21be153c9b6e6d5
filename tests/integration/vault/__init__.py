"""Tests for the vault domain (integration)."""
