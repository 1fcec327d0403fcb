"""Request handlers."""

import os

TODO_LIST = "TODO"  # a name and a string that mention the marker are not markers
BANNER = "# TODO is not a comment here"


def handler(request):
    # FIXME(ops): read the timeout from the environment
    timeout = int(os.environ.get("TIMEOUT", "30"))
    return {"timeout": timeout, "url": "http://example.com/#TODO"}
