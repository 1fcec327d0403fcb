"""Entry point."""

TODO_TEMPLATE = "TODO: {task}"  # the template of a task title, not a marker


def main() -> None:
    print(TODO_TEMPLATE.format(task="ship"))
