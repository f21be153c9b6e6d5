"""The web workspace: server-rendered pages over the same flows and services as the API."""
