"""Single sign-on: the OpenID Connect relying party, claim mapping and its routes."""
