"""Multi-factor authentication: TOTP, recovery codes, passkeys, who must use MFA, and its API."""
