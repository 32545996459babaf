"""The supervisors' web desk without transport: one-time sign-in links, signed sessions, CSRF tokens."""
