"""Suspicious-activity alerts: rules over the audit log, the alerts table, notifiers."""
