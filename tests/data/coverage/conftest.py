"""The trees here are repositories for the checks to review; their tests are not golive's."""

collect_ignore_glob = ["*"]
