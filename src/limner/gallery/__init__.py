"""The gallery: a person's own images (search, erase) and sharing them under policy."""
