"""Privacy's face for other domains: the legal holds that keep a person's data from being erased."""

from __future__ import annotations

from limner.privacy.holds import holds_on_user as holds_on_user
