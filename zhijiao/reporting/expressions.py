"""A safe evaluator for validation rules written as expressions across data elements
(``teachers_fulltime <= teachers_total``, ``sum(a, b) == c``).

The text is parsed with :mod:`ast` and walked by hand over a whitelist of nodes, operators and
functions; nothing is ever handed to ``eval``/``exec``. Names are element codes; their values are
decimals (the element's total over its cells). Powers, attributes, subscripts, lambdas,
comprehensions, strings and keyword arguments are refused when the rule is loaded, and limits on
length, node count and magnitude keep a hostile expression from exhausting the server.
"""

from __future__ import annotations

import ast
import operator
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

MAX_LENGTH = 500
MAX_NODES = 200
MAX_MAGNITUDE = Decimal("1e18")


class ExpressionError(ValueError):
    """The expression is not one the evaluator accepts (a Chinese sentence)."""


class Missing(Exception):
    """A name has no value: the rule is not checked (DHIS2's "skip if any value missing")."""


def _round(value, digits=0):
    return round(value, int(digits))


FUNCTIONS = {
    "sum": lambda *args: sum(args, Decimal(0)),
    "min": min,
    "max": max,
    "abs": abs,
    "round": _round,
}
BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    *BINARY,
    *UNARY,
    *COMPARE,
)


def parse(text: str) -> ast.Expression:
    """Parse and check ``text``; raises ``ExpressionError`` naming what is not allowed."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(_("The expression is empty."))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(_("The expression is longer than %(n)d characters.") % {"n": MAX_LENGTH})
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(_("The expression cannot be read.")) from exc
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise ExpressionError(_("The expression is too long."))
    for node in nodes:
        if not isinstance(node, ALLOWED):
            raise ExpressionError(
                _("“%(what)s” is not allowed in an expression.") % {"what": type(node).__name__}
            )
        if isinstance(node, ast.Constant) and (
            isinstance(node.value, bool) or not isinstance(node.value, int | float)
        ):
            raise ExpressionError(_("Only numbers may be written in an expression."))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise ExpressionError(
                    _("Only the functions %(names)s may be called.") % {"names": ", ".join(FUNCTIONS)}
                )
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args) or not node.args:
                raise ExpressionError(_("A function takes plain arguments only."))
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ExpressionError(_("A name may not begin with an underscore."))
    return tree


def names(tree: ast.Expression) -> set[str]:
    """The element codes an expression reads (function names excluded)."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called}


def _check(value):
    if isinstance(value, Decimal) and (value.is_nan() or abs(value) > MAX_MAGNITUDE):
        raise ExpressionError(_("A value in the expression is out of range."))
    return value


def _eval(node, values: dict[str, Any]):
    if isinstance(node, ast.Expression):
        return _eval(node.body, values)
    if isinstance(node, ast.Constant):
        return _check(Decimal(str(node.value)))
    if isinstance(node, ast.Name):
        if node.id not in values or values[node.id] is None:
            raise Missing(node.id)
        return _check(Decimal(values[node.id]))
    if isinstance(node, ast.UnaryOp):
        return UNARY[type(node.op)](_eval(node.operand, values))
    if isinstance(node, ast.BinOp):
        return _check(BINARY[type(node.op)](_eval(node.left, values), _eval(node.right, values)))
    if isinstance(node, ast.BoolOp):
        results = [bool(_eval(v, values)) for v in node.values]
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, values)
            if not COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Call):
        return _check(FUNCTIONS[node.func.id](*[_eval(a, values) for a in node.args]))
    raise ExpressionError(_("“%(what)s” is not allowed in an expression.") % {"what": type(node).__name__})


def evaluate(text_or_tree, values: dict[str, Any]):
    """The value of the expression over ``values`` (element code → number); ``Missing`` when a name
    has no value, ``ExpressionError`` for a forbidden or unbounded expression."""
    tree = parse(text_or_tree) if isinstance(text_or_tree, str) else text_or_tree
    try:
        return _eval(tree, values)
    except (DivisionByZero, ZeroDivisionError, InvalidOperation) as exc:
        raise Missing("÷0") from exc
    except (TypeError, RecursionError) as exc:
        raise ExpressionError(_("The expression cannot be evaluated.")) from exc


def holds(text_or_tree, values: dict[str, Any]) -> bool | None:
    """Whether a rule holds: True/False, or None when a value it reads is missing."""
    try:
        return bool(evaluate(text_or_tree, values))
    except Missing:
        return None
