"""The staff console: dashboards, kill switch, revocations, leak alerts, audit log."""
