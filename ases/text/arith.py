"""A small, safe arithmetic parser for checking the equations in a chain of thought.

Model output and data are never passed to ``eval``: expressions are parsed with ``ast``
and only numbers, ``+ - * /``, unary minus and parentheses are accepted.
"""

from __future__ import annotations

import ast
import operator
import re

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_MAX_LEN = 200  # longer strings are not the short equations a CoT contains


class ArithmeticParseError(ValueError):
    """The text is not a plain arithmetic expression."""


def _normalize(expr: str) -> str:
    # CoTs write multiplication as x, × or *, money with $ and thousands with commas.
    expr = expr.replace("×", "*").replace("÷", "/").replace("$", "")
    expr = re.sub(r"(?<=\d)\s*[xX]\s*(?=[\d(])", " * ", expr)
    expr = re.sub(r"(?<=\d),(?=\d{3}\b)", "", expr)
    return expr.strip()


def safe_eval(expr: str) -> float:
    """Evaluates a plain arithmetic expression such as ``"4 x 2.50 + $1,000"``.

    Args:
        expr: numbers joined by ``+ - * / x ×`` with optional parentheses.

    Returns:
        The value as a float.

    Raises:
        ArithmeticParseError: the text holds anything but numbers and those operators, or is
            too long, or divides by zero.
    """
    text = _normalize(expr)
    if not text or len(text) > _MAX_LEN:
        raise ArithmeticParseError(f"not a short arithmetic expression: {expr!r}")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        raise ArithmeticParseError(f"not an arithmetic expression: {expr!r}") from err
    return _walk(tree.body, expr)


def _walk(node: ast.AST, expr: str) -> float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _walk(node.operand, expr)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _walk(node.left, expr), _walk(node.right, expr)
        if isinstance(node.op, ast.Div) and right == 0:
            raise ArithmeticParseError(f"division by zero in {expr!r}")
        return _BINOPS[type(node.op)](left, right)
    raise ArithmeticParseError(f"only numbers and + - * / are allowed: {expr!r}")
