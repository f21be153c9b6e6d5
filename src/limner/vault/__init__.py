"""Encryption at rest: envelope encryption, key providers and blob stores."""
