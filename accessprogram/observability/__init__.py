"""Health, readiness and Prometheus metrics for every process; reads the layers below it."""
