"""The custom-metric language: a whitelisted subset of SQL over one relation, ``events``.

An analyst's ``custom_sql`` is parsed with sqlglot (DuckDB syntax) and every node of the tree
must be of a type listed here: one SELECT (with optional CTEs, derived tables and subqueries that
are themselves checked the same way) whose only relation is ``events`` (columns unit_id, name,
ts, value, experiment, variant, properties), with arithmetic, comparisons, boolean logic, CASE,
casts to numeric/boolean/time types and the functions in ``FUNCTIONS``. Anything else (table
functions, files named as tables, other tables, settings, statements other than SELECT, unknown
functions) is refused with a ``MetricLanguageError`` naming it. The query that runs is re-emitted
from the checked tree, with ``events`` bound to the store's (or warehouse's) events relation; the
analyst's original string is never executed. See docs/analytics/custom-metrics.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlglot
from django.conf import settings
from django.utils.translation import gettext, ngettext
from sqlglot import exp
from sqlglot.tokens import TokenType

RELATION = "events"
# Accepted as another name of ``events`` (the name of the store's view in earlier releases).
_RELATION_ALIASES = frozenset({"events", "all_events"})
COLUMNS = ("unit_id", "name", "ts", "value", "experiment", "variant", "properties")
MAX_LENGTH = 20_000
MAX_DEPTH = 60
# Each reference to a relation is a scan (a join of many is a denial of service on the writer).
MAX_RELATIONS = 6

# Functions an analyst may call, by sqlglot node type, with the name shown in messages.
FUNCTIONS: dict[type[exp.Expr], str] = {
    exp.Abs: "abs",
    exp.Ln: "ln",
    exp.Log: "log",
    exp.Exp: "exp",
    exp.Sqrt: "sqrt",
    exp.Pow: "power",
    exp.Round: "round",
    exp.Floor: "floor",
    exp.Ceil: "ceil",
    exp.Sign: "sign",
    exp.Least: "least",
    exp.Greatest: "greatest",
    exp.Coalesce: "coalesce",
    exp.Nullif: "nullif",
    exp.TimestampTrunc: "date_trunc",
    exp.DateTrunc: "date_trunc",
    exp.Extract: "extract",
    exp.JSONExtractScalar: "json_extract_string",
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Count: "count",
    exp.Sum: "sum",
    exp.Avg: "avg",
    exp.Min: "min",
    exp.Max: "max",
}
ALLOWED_FUNCTION_NAMES = ", ".join(sorted(set(FUNCTIONS.values())))

# Everything else that may appear in a tree (structure, operators, literals).
_NODES: frozenset[type[exp.Expr]] = frozenset(
    {
        exp.Select,
        exp.From,
        exp.Join,
        exp.Where,
        exp.Group,
        exp.Having,
        exp.Order,
        exp.Ordered,
        exp.Limit,
        exp.Offset,
        exp.Distinct,
        exp.With,
        exp.CTE,
        exp.Subquery,
        exp.Table,
        exp.TableAlias,
        exp.Alias,
        exp.Column,
        exp.Identifier,
        exp.Star,
        exp.Paren,
        exp.Tuple,
        exp.Literal,
        exp.Boolean,
        exp.Null,
        exp.Var,
        exp.Interval,
        exp.Cast,
        exp.TryCast,
        exp.DataType,
        exp.DataTypeParam,
        exp.Case,
        exp.If,
        exp.And,
        exp.Or,
        exp.Not,
        exp.EQ,
        exp.NEQ,
        exp.NullSafeEQ,
        exp.NullSafeNEQ,
        exp.GT,
        exp.GTE,
        exp.LT,
        exp.LTE,
        exp.Is,
        exp.In,
        exp.Between,
        exp.Like,
        exp.ILike,
        exp.Exists,
        exp.Add,
        exp.Sub,
        exp.Mul,
        exp.Div,
        exp.Mod,
        exp.Neg,
        exp.JSONPath,
        exp.JSONPathRoot,
        exp.JSONPathKey,
        exp.JSONPathSubscript,
    }
)

# The arguments a node may carry; any other non-empty argument is a construct we do not offer.
_ARGS: dict[type[exp.Expr], frozenset[str]] = {
    exp.Select: frozenset(
        {"expressions", "from_", "joins", "where", "group", "having", "order", "limit"}
        | {"offset", "distinct", "with_"}
    ),
    exp.Table: frozenset({"this", "alias"}),
    exp.Subquery: frozenset({"this", "alias"}),
    exp.Join: frozenset({"this", "on", "side", "kind", "using"}),
    exp.With: frozenset({"expressions"}),
    exp.CTE: frozenset({"this", "alias"}),
    exp.Column: frozenset({"this", "table"}),
    exp.Star: frozenset(),
    exp.DataType: frozenset({"this", "expressions", "nested"}),
}

_TYPES = frozenset(
    {
        exp.DataType.Type.DOUBLE,
        exp.DataType.Type.FLOAT,
        exp.DataType.Type.DECIMAL,
        exp.DataType.Type.TINYINT,
        exp.DataType.Type.SMALLINT,
        exp.DataType.Type.INT,
        exp.DataType.Type.BIGINT,
        exp.DataType.Type.BOOLEAN,
        exp.DataType.Type.DATE,
        exp.DataType.Type.TIMESTAMP,
        exp.DataType.Type.TIMESTAMPTZ,
    }
)
_TYPE_NAMES = "double, float, decimal, integer types, boolean, date, timestamp, timestamptz"
_PERIODS = ("microsecond", "millisecond", "second", "minute", "hour", "day", "week", "month")
_UNITS = frozenset(
    {*_PERIODS, *(f"{p}s" for p in _PERIODS), "quarter", "quarters", "year", "years"}
    | {"dow", "isodow", "doy", "epoch"}
)
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_RESERVED_CTE = re.compile(r"^(events|all_events|events_upto|exposure|src_\d+|unit_\d+)$", re.I)
_STATEMENT_START = {TokenType.SELECT, TokenType.WITH, TokenType.FROM, TokenType.L_PAREN}


def translated(message: str) -> str:
    """``message`` in the active language (as is where Django is not set up: a script)."""
    return gettext(message) if settings.configured else message


_ = translated


class MetricLanguageError(ValueError):
    """``custom_sql`` is outside the metric language; ``reason`` names what was refused."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"custom_sql: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class CheckedQuery:
    """A custom metric query that passed the whitelist (render it with ``sql``)."""

    tree: exp.Select
    columns: tuple[str, ...]

    def sql(self, events_table: str = RELATION, dialect: str = "duckdb") -> str:
        """The query re-emitted from the checked tree, ``events`` bound to ``events_table``."""
        tree = self.tree.copy()
        for table in list(tree.find_all(exp.Table)):
            if _is_events(table):
                target = exp.to_table(events_table)
                alias = table.args.get("alias") or exp.TableAlias(
                    this=exp.to_identifier(table.name.lower())
                )
                target.set("alias", alias)
                table.replace(target)
        return tree.sql(dialect=dialect, comments=False)


def _refuse(reason: str) -> MetricLanguageError:
    return MetricLanguageError(reason)


def _function_refusal(*names: str) -> MetricLanguageError:
    unique = list(dict.fromkeys(name.lower() for name in names))
    message = (
        ngettext(
            "function %(names)s is not allowed; allowed: %(allowed)s (and CASE, CAST, "
            "arithmetic, comparisons, AND/OR/NOT, IN, LIKE, BETWEEN, IS NULL)",
            "functions %(names)s are not allowed; allowed: %(allowed)s (and CASE, CAST, "
            "arithmetic, comparisons, AND/OR/NOT, IN, LIKE, BETWEEN, IS NULL)",
            len(unique),
        )
        if settings.configured
        else "function(s) %(names)s not allowed; allowed: %(allowed)s"
    )
    return _refuse(message % {"names": ", ".join(unique), "allowed": ALLOWED_FUNCTION_NAMES})


def _construct_refusal(construct: str) -> MetricLanguageError:
    return _refuse(
        _(
            "%(construct)s is not allowed; a custom metric is one SELECT over the relation "
            "%(relation)s (%(columns)s)"
        )
        % {"construct": construct, "relation": RELATION, "columns": ", ".join(COLUMNS)}
    )


def _statement(keyword: str) -> str:
    return _("statement %(keyword)s") % {"keyword": keyword}


def _not_parsed(reason: str) -> MetricLanguageError:
    return _refuse(_("does not parse: %(reason)s") % {"reason": reason})


def _statements(sql: str) -> list[str]:
    """The first keyword of each statement (to name a refused statement before parsing)."""
    try:
        tokens = sqlglot.tokenize(sql, read="duckdb")
    except sqlglot.errors.SqlglotError as error:
        raise _not_parsed(str(error)) from error
    firsts: list[str] = []
    expecting = True
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            expecting = True
            continue
        if expecting:
            expecting = False
            if token.token_type not in _STATEMENT_START:
                raise _construct_refusal(_statement(token.text.upper()))
            firsts.append(token.text.upper())
    return firsts


def _function_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name)
    if isinstance(node, exp.Func):
        return node.sql_name()
    return node.key


def _depth(node: exp.Expr) -> int:
    depth = 0
    while node.parent is not None:
        node = node.parent
        depth += 1
    return depth


def _is_events(table: exp.Table) -> bool:
    return table.name.lower() in _RELATION_ALIASES and not _cte_visible(table, table.name)


def _cte_visible(table: exp.Table, name: str) -> bool:
    """True when a WITH enclosing ``table`` defines ``name`` before the point of use."""
    wanted = name.lower()
    node: exp.Expr = table
    while node.parent is not None:
        parent = node.parent
        if isinstance(parent, exp.With):
            index = next(i for i, cte in enumerate(parent.expressions) if cte is node)
            if any(cte.alias.lower() == wanted for cte in parent.expressions[:index]):
                return True
        elif isinstance(parent, exp.Select | exp.Subquery) and node is not parent.args.get("with_"):
            with_ = parent.args.get("with_")
            if with_ is not None and any(c.alias.lower() == wanted for c in with_.expressions):
                return True
        node = parent
    return False


def _check_args(node: exp.Expr) -> None:
    """A node carries only the arguments we offer (no UNION, WINDOW, … hidden in one)."""
    allowed_args = _ARGS.get(type(node))
    if allowed_args is None:
        return
    for arg, value in node.args.items():
        if value not in (None, False, [], "") and arg not in allowed_args:
            label = arg.rstrip("_").upper()
            raise _construct_refusal(
                _("%(part)s in %(node)s") % {"part": label, "node": node.key.upper()}
            )


def _check_node(node: exp.Expr, aliases: set[str]) -> None:
    _check_args(node)
    if isinstance(node, exp.Table):
        if not isinstance(node.this, exp.Identifier):
            raise _function_refusal(_function_name(node.this))
        name = node.name
        if name.lower() not in _RELATION_ALIASES and not _cte_visible(node, name):
            raise _refuse(
                _(
                    "relation %(name)s is not allowed; the only relation is %(relation)s "
                    "(%(columns)s) and the CTEs the query defines"
                )
                % {"name": repr(name), "relation": RELATION, "columns": ", ".join(COLUMNS)}
            )
    elif isinstance(node, exp.With):
        if node.args.get("recursive"):
            raise _construct_refusal("WITH RECURSIVE")
    elif isinstance(node, exp.CTE):
        if _RESERVED_CTE.match(node.alias or "") or not _NAME_RE.match(node.alias or ""):
            raise _refuse(
                _("CTE name %(name)s is reserved or not a plain name") % {"name": repr(node.alias)}
            )
    elif isinstance(node, exp.Column):
        if node.name.lower() not in COLUMNS and node.name.lower() not in aliases:
            raise _refuse(
                _(
                    "column %(name)s is not a column of %(relation)s (%(columns)s) or a name "
                    "the query defines"
                )
                % {"name": repr(node.name), "relation": RELATION, "columns": ", ".join(COLUMNS)}
            )
    elif isinstance(node, exp.Identifier):
        if not _NAME_RE.match(node.name) and not isinstance(node.parent, exp.Table):
            raise _refuse(
                _("name %(name)s is not a plain name (letters, digits, _)")
                % {"name": repr(node.name)}
            )
    elif isinstance(node, exp.Cast | exp.TryCast):
        to = node.args["to"]
        if to.this not in _TYPES or to.expressions and to.this != exp.DataType.Type.DECIMAL:
            raise _refuse(
                _("CAST to %(type)s is not allowed; allowed: %(types)s")
                % {"type": to.sql("duckdb"), "types": _TYPE_NAMES}
            )
    elif isinstance(node, exp.DataType) and not isinstance(node.parent, exp.Cast | exp.TryCast):
        raise _construct_refusal(_("type %(type)s here") % {"type": node.sql("duckdb")})
    elif isinstance(node, exp.Var):
        if str(node.name).lower() not in _UNITS:
            raise _refuse(
                _("time unit %(name)s is not allowed; allowed: %(units)s")
                % {"name": repr(node.name), "units": ", ".join(sorted(_UNITS))}
            )
    elif isinstance(node, exp.Literal) and node.is_string and len(node.this) > 1000:
        raise _refuse(_("a string literal is longer than %(max)s characters") % {"max": "1,000"})


def _parse_one(sql: str) -> exp.Expr:
    """The one statement ``sql`` holds, parsed; a parser failure names where and why."""
    firsts = _statements(sql)
    if len(firsts) != 1:
        raise _refuse(
            _("must be exactly one SELECT statement (found %(count)s)") % {"count": len(firsts)}
        )
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except RecursionError as error:
        raise _refuse(_("is nested too deeply")) from error
    except sqlglot.errors.ParseError as error:
        first = error.errors[0] if error.errors else {}
        where = f" (line {first.get('line')}, column {first.get('col')})" if first else ""
        reason = str(first.get("description") or error).splitlines()[0]
        raise _not_parsed(f"{reason}{where}") from error
    except Exception as error:  # noqa: BLE001 - any parser failure is the analyst's input
        raise _not_parsed(str(error).splitlines()[0]) from error
    trees = [s for s in statements if s is not None]
    if len(trees) != 1:
        raise _refuse(_("must be exactly one SELECT statement"))
    return trees[0]


def check_custom_sql(sql: str) -> CheckedQuery:
    """Parse and whitelist ``sql``; raise ``MetricLanguageError`` naming what is refused."""
    if len(sql) > MAX_LENGTH:
        raise _refuse(_("is longer than %(max)s characters") % {"max": f"{MAX_LENGTH:,}"})
    tree = _parse_one(sql)
    if not isinstance(tree, exp.Select):
        raise _construct_refusal(_statement(tree.key.upper()))
    nodes = list(tree.walk())
    if any(_depth(n) > MAX_DEPTH for n in nodes):
        raise _refuse(_("is nested too deeply"))
    # Functions first, so that a refused function is named wherever it sits.
    refused = [
        _function_name(node)
        for node in nodes
        if isinstance(node, exp.Func) and type(node) not in FUNCTIONS and type(node) not in _NODES
    ]
    if refused:
        raise _function_refusal(*refused)
    for node in nodes:
        if type(node) not in _NODES and type(node) not in FUNCTIONS:
            raise _construct_refusal(node.key.upper())
    relations = sum(1 for n in nodes if isinstance(n, exp.Table))
    if relations > MAX_RELATIONS:
        raise _refuse(
            _("reads %(count)s relations; at most %(max)s are allowed")
            % {"count": relations, "max": MAX_RELATIONS}
        )
    aliases = {
        str(n.alias).lower()
        for n in nodes
        if isinstance(n, exp.Alias | exp.CTE | exp.Subquery | exp.Table) and n.alias
    }
    aliases |= {
        col.name.lower()
        for n in nodes
        if isinstance(n, exp.TableAlias)
        for col in n.args.get("columns") or []
    }
    aliases |= _RELATION_ALIASES
    for node in nodes:
        _check_node(node, aliases)
    columns = tuple(
        str(p.alias_or_name).lower() for p in tree.expressions if not isinstance(p, exp.Star)
    )
    if any(isinstance(p, exp.Star) for p in tree.expressions):
        raise _refuse(_("name the output columns (unit_id, ts, value) instead of SELECT *"))
    for needed in ("unit_id", "ts"):
        if needed not in columns:
            raise _refuse(
                _("the SELECT must return a column named %(column)s (unit_id, ts, value)")
                % {"column": needed}
            )
    return CheckedQuery(tree=tree, columns=columns)
