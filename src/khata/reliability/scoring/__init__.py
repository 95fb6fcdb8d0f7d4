"""Business-reliability forecast: the pure scoring core (no database, no Django).

Modules, each small and independent of the rest of Khata:

- ``altman``     Altman's Z-score family, exactly as published, with input checks.
- ``payments``   payment behaviour from a company's own invoice history.
- ``checklist``  the manager's qualitative checklist and its documented points.
- ``learned``    a calibrated, explainable model of serious delinquency (scikit-learn).
- ``assessment`` the combined assessment (probability with an interval, band A-E, credit
  limit and terms, factors, completeness, valid-until) and ``assess_many`` for batches.

Messages carry a stable machine ``code`` and an English sentence; the UI translates by code,
which keeps this package importable without Django settings.
"""
