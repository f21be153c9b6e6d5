"""The `limner` command: an adapter over the same services the API uses."""
