"""Privacy: retention and purge, legal hold, data-subject export and erasure."""
