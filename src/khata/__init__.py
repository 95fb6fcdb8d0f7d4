"""Khata: an open-source CRM for account managers."""

__version__ = "0.1.0"
