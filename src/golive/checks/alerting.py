"""Alerting and observability: alert rules by category and quality, routing, dashboards, SLO definitions."""
