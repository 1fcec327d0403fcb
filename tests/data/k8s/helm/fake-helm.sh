#!/bin/sh
# A stand-in for helm, which is not installed here: `helm template <chart>` prints the output
# recorded in $FAKE_HELM_OUTPUT (or fails like helm when $FAKE_HELM_FAIL is set).
if [ "$1" != "template" ]; then
  echo "fake helm: only 'template' is recorded" >&2
  exit 2
fi
if [ -n "$FAKE_HELM_FAIL" ]; then
  echo "Error: $FAKE_HELM_FAIL" >&2
  exit 1
fi
cat "$FAKE_HELM_OUTPUT"
