#!/bin/sh
# glpat- tokens come from CI variables.
curl --header "PRIVATE-TOKEN: $GITLAB_TOKEN" https://gitlab.example.org/api/v4/projects
echo "glpat-short"
