"""Step definitions. The e2e plugin loads every module here."""
