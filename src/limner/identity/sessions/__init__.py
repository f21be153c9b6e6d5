"""Browser sessions: cookies, sign-in with its throttle, sign-out, and the sign-in API."""
