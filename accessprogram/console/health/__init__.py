"""The program-health dashboard: is each program healthy, at a glance, with daily trends."""
