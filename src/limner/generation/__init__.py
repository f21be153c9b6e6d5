"""Image generation: the OpenAI-compatible routes, the model catalog, backends and the flow."""
