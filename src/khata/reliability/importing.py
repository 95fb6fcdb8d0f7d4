"""Importing financial statements and invoices (filled in below)."""
