"""Accounts: users, service accounts, groups, passwords, resets and the lock-out guards."""
