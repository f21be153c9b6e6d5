"""Human review queue for held prompts and images."""
