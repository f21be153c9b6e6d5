"""Usage: quotas, budgets, prices, statistics and alerts."""
