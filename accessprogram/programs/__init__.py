"""Programs, their testers and staff."""
