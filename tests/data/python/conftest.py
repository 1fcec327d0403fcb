# These directories are Python projects that golive reviews in its tests, not golive's tests.
collect_ignore_glob = ["*"]
