"""API keys: the key format, issuing, rotating and revoking keys, and their admin API."""
