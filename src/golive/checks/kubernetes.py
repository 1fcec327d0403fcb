"""Kubernetes manifests: schema, resources, probes, disruption budgets, autoscaling, security context, network."""
