"""Tolerance requests, secondment feedback and pre-registrations: the transport-free domain layer.

Nothing in this package imports telegram; handlers translate updates into calls on
:class:`bot.filing.service.FilingService` and catalogue keys back into messages.
"""
