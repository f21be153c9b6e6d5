"""Limner: a self-hosted gateway for safe, accountable use of image models."""

__version__ = "0.1.0"
