"""Tests for the vault domain (unit)."""
