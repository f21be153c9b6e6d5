"""Education's face for other domains: the completion report usage folds into its own report."""

from __future__ import annotations

from limner.education.report import completion_report as completion_report
