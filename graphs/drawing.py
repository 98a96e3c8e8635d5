"""The graph's drawing as an inline SVG: nodes placed in rows, edges as curves.

Everything is computed on the server, so the graph page needs no script and no network.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

__all__ = ["layout"]

NODE_H = 40
ROW_GAP = 56
COL_GAP = 28
MARGIN = 24
SIDE_ROOM = 70  # room on the right for edges that go back up


def layout(drawing: dict[str, Any]) -> dict[str, Any]:
    """Place a graph's nodes in rows (longest path from the start) for an inline SVG.

    Edges that go back (loops) are drawn along the right side. Everything is computed here, so
    the page needs no script and no network.
    """
    nodes = [n["id"] for n in drawing.get("nodes", [])]
    edges = [
        (e["source"], e["target"], bool(e.get("conditional")), str(e.get("data") or ""))
        for e in drawing.get("edges", [])
        if e.get("source") in nodes and e.get("target") in nodes
    ]
    level = _levels(nodes, [(s, t) for s, t, _, _ in edges])
    rows: dict[int, list[str]] = defaultdict(list)
    for node in nodes:
        rows[level[node]].append(node)
    widths = {node: max(84, 9 * len(_label(node)) + 28) for node in nodes}
    row_widths = {
        r: sum(widths[n] for n in members) + COL_GAP * (len(members) - 1)
        for r, members in rows.items()
    }
    inner = max(row_widths.values(), default=200)
    width = inner + 2 * MARGIN + SIDE_ROOM
    boxes: dict[str, dict[str, Any]] = {}
    for r, members in rows.items():
        x = MARGIN + (inner - row_widths[r]) / 2
        for node in members:
            y = MARGIN + r * (NODE_H + ROW_GAP)
            boxes[node] = {
                "id": node,
                "label": _label(node),
                "x": x,
                "y": y,
                "w": widths[node],
                "h": NODE_H,
                "cx": x + widths[node] / 2,
                "cy": y + NODE_H / 2,
                "terminal": node in ("__start__", "__end__"),
            }
            x += widths[node] + COL_GAP
    height = MARGIN * 2 + (max(rows, default=0) + 1) * (NODE_H + ROW_GAP) - ROW_GAP
    return {
        "width": width,
        "height": height,
        "nodes": list(boxes.values()),
        "edges": [
            _edge(boxes[s], boxes[t], conditional, label) for s, t, conditional, label in edges
        ],
    }


def _label(node: str) -> str:
    return {"__start__": "start", "__end__": "end"}.get(node, node)


def _levels(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layering over the graph without its back edges (found by a DFS)."""
    children: dict[str, list[str]] = defaultdict(list)
    for s, t in edges:
        children[s].append(t)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def dfs(start: str) -> None:
        stack = [(start, iter(children[start]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            child = next(it, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(children[child])))

    for node in (["__start__"] if "__start__" in nodes else []) + nodes:
        if node not in state:
            dfs(node)
    forward = [(s, t) for s, t in edges if (s, t) not in back and s != t]
    indegree = {n: 0 for n in nodes}
    for _, t in forward:
        indegree[t] += 1
    level = {n: 0 for n in nodes}
    queue = deque(n for n in nodes if indegree[n] == 0)
    while queue:
        node = queue.popleft()
        for s, t in forward:
            if s == node:
                level[t] = max(level[t], level[node] + 1)
                indegree[t] -= 1
                if indegree[t] == 0:
                    queue.append(t)
    return level


def _edge(a: dict[str, Any], b: dict[str, Any], conditional: bool, label: str) -> dict[str, Any]:
    if b["y"] > a["y"]:
        x1, y1, x2, y2 = a["cx"], a["y"] + a["h"], b["cx"], b["y"]
        bend = (y2 - y1) / 2
        path = f"M {x1:.1f} {y1:.1f} C {x1:.1f} {y1 + bend:.1f}, {x2:.1f} {y2 - bend:.1f}, {x2:.1f} {y2 - 2:.1f}"
        mid = ((x1 + x2) / 2, (y1 + y2) / 2)
    else:  # same row or back up: loop around the right side
        x1, y1 = a["x"] + a["w"], a["cy"]
        x2, y2 = b["x"] + b["w"], b["cy"]
        out = max(x1, x2) + SIDE_ROOM - 10
        path = (
            f"M {x1:.1f} {y1:.1f} C {out:.1f} {y1:.1f}, {out:.1f} {y2:.1f}, {x2 + 2:.1f} {y2:.1f}"
        )
        mid = (out - 8, (y1 + y2) / 2)
    return {
        "source": _label(a["id"]),
        "target": _label(b["id"]),
        "path": path,
        "conditional": conditional,
        "label": label,
        "lx": mid[0] + 4,
        "ly": mid[1],
    }
