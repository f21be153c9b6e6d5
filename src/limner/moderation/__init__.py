"""Image moderation: providers that score images, and the verdict the flow acts on."""
