"""Approved prompt templates: published by admins or the brand team, versioned, checked by the policy."""
