"""Progressive delivery: Argo Rollouts and Flagger canaries and blue-green rollouts against the policy."""
