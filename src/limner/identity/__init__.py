"""Identity: users, roles and permissions, API keys, sessions, MFA and SSO."""
