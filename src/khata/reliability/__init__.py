"""Business-reliability forecast (issue 7): financial statements, invoices and the manager's
checklist per company, the assessments computed from them, the head's band overrides and the
learned model. The pure scoring core (no Django) is the `scoring` subpackage."""
