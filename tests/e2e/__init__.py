"""End-to-end tests: the real PTB Application over a real database."""
