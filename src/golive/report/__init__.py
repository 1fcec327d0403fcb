"""Reports: one module per format; `render` picks the renderer."""

from __future__ import annotations

from typing import assert_never

from golive.model import Decision, Review
from golive.report.base import SHOWN_BY_DEFAULT, Format, RenderOptions

__all__ = ["SHOWN_BY_DEFAULT", "Format", "RenderOptions", "render"]


def render(fmt: Format, review: Review, decision: Decision, options: RenderOptions) -> str:
    """The review in `fmt`, as text."""
    match fmt:
        case Format.TERMINAL:
            from golive.report import terminal

            return terminal.render(review, decision, options)
        case Format.JSON:
            from golive.report import json

            return json.render(review, decision, options)
        case Format.MARKDOWN:
            from golive.report import markdown

            return markdown.render(review, decision, options)
        case Format.SARIF:
            from golive.report import sarif

            return sarif.render(review, decision, options)
        case Format.JUNIT:
            from golive.report import junit

            return junit.render(review, decision, options)
        case Format.HTML:
            from golive.report import html

            return html.render(review, decision, options)
        case _:
            assert_never(fmt)
