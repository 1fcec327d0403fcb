"""A forgiving PromQL scanner: what an expression references, enough to tell what it watches."""

from __future__ import annotations

import ast
import functools
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "Comparison",
    "Expression",
    "Matcher",
    "Selector",
    "duration_seconds",
    "scan",
    "syntax_problem",
]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<comment>\#[^\n]*)
    |(?P<string>"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|`[^`]*`?)
    |(?P<duration>(?:[0-9]+(?:ms|[smhdwy]))+(?![A-Za-z0-9_]))
    |(?P<number>0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<ident>(?:[A-Za-z_]|:[A-Za-z_])[A-Za-z0-9_:]*)
    |(?P<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=,(){}\[\]@:])
    |(?P<other>.)
    """,
    re.VERBOSE,
)
_COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})
_SET_OPS = frozenset({"and", "or", "unless"})
_LABEL_LISTS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_KEYWORDS = _SET_OPS | _LABEL_LISTS | {"bool", "offset", "atan2"}
_AGGREGATIONS = frozenset(
    {"sum", "avg", "min", "max", "count", "stddev", "stdvar", "topk", "bottomk", "quantile"}
    | {"count_values", "group", "limitk", "limit_ratio"}
)
_DURATION_PART = re.compile(r"([0-9]+)(ms|[smhdwy])")
_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
    "y": 31536000.0,
}
_NAME_WINDOW = re.compile(r"(?:rate|burnrate|ratio_rate|increase|_)([0-9]+(?:ms|[smhdwy]))$")
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "^", "(", ")"})
_OPENING = frozenset({"(", "{", "["})
_CLOSING = frozenset({")", "}", "]"})
_MAX_TOKENS = 20_000  # an expression longer than this is not an alert anyone reads


@dataclass(frozen=True, kw_only=True)
class _Token:
    kind: str  # string, duration, number, ident, op, other
    text: str


@dataclass(frozen=True, kw_only=True)
class Matcher:
    """One label matcher: `code=~"5.."`."""

    label: str
    op: str  # =, !=, =~, !~
    value: str


@dataclass(frozen=True, kw_only=True)
class Selector:
    """A metric reference with its matchers (`http_requests_total{code=~"5.."}`)."""

    name: str  # "" for a selector of matchers only (its __name__ matcher, if any, is used)
    matchers: tuple[Matcher, ...]


@dataclass(frozen=True, kw_only=True)
class Comparison:
    """A comparison operator, the metrics of its left operand and the constant on its right."""

    op: str
    constant: float | None  # None when the right operand is not plain arithmetic
    left: tuple[str, ...]  # the left operand's tokens, back to `and`/`or`/`unless` or a `(`
    left_metrics: frozenset[str]

    @property
    def left_text(self) -> str:
        return " ".join(self.left)


@dataclass(frozen=True, kw_only=True)
class Expression:
    """What an expression references."""

    text: str
    selectors: tuple[Selector, ...]
    functions: frozenset[str]
    windows: frozenset[float]  # seconds: range selectors and windows named in recording rules
    comparisons: tuple[Comparison, ...]
    set_operators: frozenset[str]  # and, or, unless

    @functools.cached_property
    def metrics(self) -> frozenset[str]:
        return frozenset(s.name for s in self.selectors if s.name)

    def matchers(self) -> list[tuple[str, Matcher]]:
        return [(s.name, m) for s in self.selectors for m in s.matchers]


def duration_seconds(text: str) -> float | None:
    """A Prometheus duration (`1h30m`, `5m`, `0s`) in seconds; None if it is not one."""
    text = text.strip()
    if not text:
        return None
    if text == "0":
        return 0.0  # Prometheus reads a bare 0 as a duration too
    position = 0
    total = 0.0
    for part in _DURATION_PART.finditer(text):
        if part.start() != position:
            return None
        total += int(part.group(1)) * _UNIT_SECONDS[part.group(2)]
        position = part.end()
    return total if position == len(text) else None


def scan(text: str) -> Expression:
    """The references of one PromQL expression. It never raises: text it cannot make sense of
    (a Helm placeholder, a typo) yields fewer references. Comparisons keep the tokens of their
    left operand, so a check can tell which metric a constant limits, and the constant itself
    when the right operand is plain arithmetic (`> 14.4 * 0.001`, `< 86400 * 30`)."""
    tokens = _tokens(text)
    selectors, functions, windows = _references(tokens)
    for selector in selectors:
        window = _NAME_WINDOW.search(selector.name.rpartition(":")[2])
        if window and ":" in selector.name:
            seconds = duration_seconds(window.group(1))
            if seconds:
                windows.add(seconds)
    return Expression(
        text=text,
        selectors=tuple(selectors),
        functions=frozenset(functions),
        windows=frozenset(windows),
        comparisons=tuple(_comparisons(tokens)),
        set_operators=frozenset(
            t.text.lower() for t in tokens if t.kind == "ident" and t.text.lower() in _SET_OPS
        ),
    )


_PAIRS = {")": "(", "]": "[", "}": "{"}
_TRAILING = frozenset({"+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", ",", "=~"})


def syntax_problem(text: str) -> str | None:
    """What makes an expression certainly unparsable, or None: an empty expression, an
    unterminated string, brackets that do not pair up, or a trailing operator. Not a parser
    (promtool is): an expression this passes may still be wrong; templated text (`{{ }}`) is
    not judged."""
    if "{{" in text:
        return None
    tokens = _tokens(text)
    if not tokens:
        return "the expression is empty"
    opened: list[str] = []
    for token in tokens:
        if token.kind == "string" and (len(token.text) < 2 or token.text[-1] != token.text[0]):
            return f"unterminated string {token.text[:20]}"
        if token.kind != "op":
            continue
        if token.text in "([{":
            opened.append(token.text)
        elif token.text in _PAIRS and (not opened or opened.pop() != _PAIRS[token.text]):
            return f"unexpected {token.text}"
    if opened:
        return f"unclosed {opened[-1]}"
    last = tokens[-1]
    if (last.kind == "op" and last.text in _TRAILING) or (
        last.kind == "ident" and last.text.lower() in _SET_OPS | {"bool", "offset", "by"}
    ):
        return f"it ends with {last.text}"
    return None


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for found in _TOKEN.finditer(text):
        kind = found.lastgroup or "other"
        if kind in {"space", "comment"}:
            continue
        value = found.group()
        if kind == "ident" and value.lower() in {"inf", "nan"}:
            kind = "number"
        tokens.append(_Token(kind=kind, text=value))
        if len(tokens) >= _MAX_TOKENS:
            break
    return tokens


def _references(tokens: Sequence[_Token]) -> tuple[list[Selector], set[str], set[float]]:
    selectors: list[Selector] = []
    functions: set[str] = set()
    windows: set[float] = set()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1].text if index + 1 < len(tokens) else ""
        if token.kind == "ident":
            name, word = token.text, token.text.lower()
            if word in _LABEL_LISTS and following == "(":
                index = _skip_group(tokens, index + 1, "(", ")")
                continue
            if word in _KEYWORDS:
                index += 1
                continue
            if following == "(" or (
                word in _AGGREGATIONS and following.lower() in {"by", "without"}
            ):
                functions.add(name)
                index += 1
                continue
            matchers: tuple[Matcher, ...] = ()
            if following == "{":
                end = _skip_group(tokens, index + 1, "{", "}")
                matchers = _matchers(tokens[index + 2 : end - 1])
                index = end
            else:
                index += 1
            selectors.append(Selector(name=name, matchers=matchers))
            continue
        if token.text == "{":
            end = _skip_group(tokens, index, "{", "}")
            matchers = _matchers(tokens[index + 1 : end - 1])
            named = [m.value for m in matchers if m.label == "__name__" and m.op == "="]
            selectors.append(Selector(name=named[0] if named else "", matchers=matchers))
            index = end
            continue
        if token.text == "[" and index + 1 < len(tokens) and tokens[index + 1].kind == "duration":
            seconds = duration_seconds(tokens[index + 1].text)
            if seconds:
                windows.add(seconds)
        index += 1
    return selectors, functions, windows


def _skip_group(tokens: Sequence[_Token], start: int, opening: str, closing: str) -> int:
    """The index just past the group that opens at `start` (or the end of the tokens)."""
    depth = 0
    for index in range(start, len(tokens)):
        text = tokens[index].text
        if text == opening:
            depth += 1
        elif text == closing:
            depth -= 1
            if depth == 0:
                return index + 1
    return len(tokens)


def _matchers(tokens: Sequence[_Token]) -> tuple[Matcher, ...]:
    found: list[Matcher] = []
    for index in range(len(tokens) - 2):
        label, op, value = tokens[index], tokens[index + 1], tokens[index + 2]
        if (
            label.kind in {"ident", "string"}
            and op.text in {"=", "!=", "=~", "!~"}
            and value.kind == "string"
        ):
            matcher = Matcher(label=_unquote(label.text), op=op.text, value=_unquote(value.text))
            found.append(matcher)
    return tuple(found)


def _unquote(text: str) -> str:
    if text[:1] in {'"', "'", "`"}:
        body = text[1:-1] if len(text) > 1 and text[-1] == text[0] else text[1:]
        return body if text[0] == "`" else re.sub(r"\\(.)", r"\1", body)
    return text


def _comparisons(tokens: Sequence[_Token]) -> list[Comparison]:
    found: list[Comparison] = []
    braces = 0  # comparisons inside `{...}` are label matchers, not comparisons
    for index, token in enumerate(tokens):
        if token.text in {"{", "}"}:
            braces = braces + 1 if token.text == "{" else max(0, braces - 1)
        if token.kind != "op" or token.text not in _COMPARISONS or braces:
            continue
        left = _left_operand(tokens, index)
        start = index + 1
        if start < len(tokens) and tokens[start].text.lower() == "bool":
            start += 1
        found.append(
            Comparison(
                op=token.text,
                constant=_constant(_right_operand(tokens, start)),
                left=tuple(t.text for t in left),
                left_metrics=frozenset(_metric_names(left)),
            )
        )
    return found


def _left_operand(tokens: Sequence[_Token], index: int) -> list[_Token]:
    balance = 0
    start = index
    while start > 0:
        text = tokens[start - 1].text
        if text in _CLOSING:
            balance += 1
        elif text in _OPENING:
            if balance == 0:
                break
            balance -= 1
        elif balance == 0 and _ends_operand(text):
            break
        start -= 1
    return list(tokens[start:index])


def _right_operand(tokens: Sequence[_Token], start: int) -> list[_Token]:
    balance = 0
    end = start
    while end < len(tokens):
        text = tokens[end].text
        if text in _OPENING:
            balance += 1
        elif text in _CLOSING:
            if balance == 0:
                break
            balance -= 1
        elif balance == 0 and _ends_operand(text):
            break
        end += 1
    return list(tokens[start:end])


def _ends_operand(text: str) -> bool:
    return text.lower() in _SET_OPS or text in _COMPARISONS or text == ","


def _metric_names(tokens: Sequence[_Token]) -> list[str]:
    selectors, _, _ = _references(tokens)
    return [s.name for s in selectors if s.name]


_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


def _constant(tokens: Sequence[_Token]) -> float | None:
    """The value of plain arithmetic on numbers (`14.4 * 0.001`, `(25 / 100)`), else None."""
    if not tokens or len(tokens) > 40:
        return None
    parts: list[str] = []
    for token in tokens:
        if token.kind == "number":
            parts.append(repr(_number(token.text)))
        elif token.kind == "op" and token.text in _ARITHMETIC:
            parts.append("**" if token.text == "^" else token.text)
        else:
            return None
    try:
        tree = ast.parse(" ".join(parts), mode="eval")
        return _evaluate(tree.body)
    except (SyntaxError, ArithmeticError, ValueError, RecursionError):
        return None


def _number(text: str) -> float:
    lowered = text.lower()
    if lowered.startswith("0x"):
        return float(int(lowered, 16))
    return float(lowered)


def _evaluate(node: ast.expr) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _evaluate(node.operand)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Pow) and (abs(right) > 64 or abs(left) > 1e6):
            return None  # nobody writes 10^400 as an alert threshold
        return float(_BINARY[type(node.op)](left, right))
    return None
