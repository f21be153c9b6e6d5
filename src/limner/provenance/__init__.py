"""Provenance: C2PA content credentials, invisible watermark, and verification of any image."""
