"""Telegram handlers: thin callbacks over the services in :mod:`bot`; :mod:`handlers.routing` wires them."""
