"""Tamper-evident audit log: hash-chained events, checkpoints, verification, export and sinks."""
