"""Break a well-formed Slack payload the way a buggy client, a proxy or a forger might."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from tests.support.fuzz_strategies import any_text, huge, json_values


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside dicts and lists (the node itself excluded)."""
    found: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((*prefix, index))
            found += _paths(value, (*prefix, index))
    return found


def _parent(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        node = node[key]
    return node


# Containers are built afresh (st.builds), never shared between examples: a shared {} or []
# could carry one example's mutations into the next and make generation depend on history.
replacement = st.one_of(
    json_values,
    st.just(None),
    st.builds(dict),
    st.builds(list),
    st.just(""),
    huge(st.just("x")),
    any_text,
    st.integers(min_value=-(2**80), max_value=2**80),
    st.recursive(st.builds(list), lambda c: st.lists(c, min_size=1, max_size=1), max_leaves=60),
)


@st.composite
def mutated(draw: st.DrawFn, payload: dict[str, Any], max_changes: int = 4) -> dict[str, Any]:
    """The payload with up to `max_changes` keys deleted or given values of another kind."""
    out = copy.deepcopy(payload)
    for _ in range(draw(st.integers(min_value=0, max_value=max_changes))):
        paths = _paths(out)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(out, path)
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(replacement)
    return out
