"""Image moderation providers; `settings.moderation.providers` lists the ones that run."""
