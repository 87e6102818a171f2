"""Writing the routing graph of a district as SVG, Graphviz DOT or GraphML."""

from __future__ import annotations

import html
from pathlib import Path

from engine.errors import HazardError
from engine.routing.graph import Router
from engine.routing.lookup import router

def export_graph(path: str, profile: str | None = None) -> str:
    """Write the routing graph of a district to `path` (.svg, .dot/.gv or .graphml); returns the path.
    HazardError bad_graph_format for another suffix, cannot_write when the file cannot be written."""
    r = router(profile)
    suffix = Path(path).suffix.lower()
    if suffix not in (".graphml", ".dot", ".gv", ".svg"):
        raise HazardError("bad_graph_format", f"图文件须以 .svg、.dot 或 .graphml 结尾（收到：{path}）", "graph")
    folder = Path(path).parent
    if not folder.is_dir():
        raise HazardError("cannot_write", f"无法写出路由图 {path}：目录 {folder} 不存在", "graph")
    try:
        _write(r, path, suffix)
    except OSError as exc:
        raise HazardError("cannot_write", f"无法写出路由图 {path}：{exc.strerror or exc}", "graph") from None
    return path


def _write(r: Router, path: str, suffix: str) -> None:
    import networkx as nx

    if suffix == ".graphml":
        g = nx.MultiDiGraph()
        for n, d in r.graph.nodes(data=True):
            g.add_node(n, **{k: str(v) for k, v in d.items()})
        for u, v, d in r.graph.edges(data=True):
            g.add_edge(u, v, **{k: str(v2) for k, v2 in d.items()})
        nx.write_graphml(g, path)
    elif suffix in (".dot", ".gv"):
        Path(path).write_text(_dot(r), encoding="utf-8")
    elif suffix == ".svg":
        Path(path).write_text(_svg(r), encoding="utf-8")


def _label(r: Router, n: str) -> str:
    d = r.graph.nodes[n]
    return d.get("name") or n.split(":", 1)[1]


def _dot(r: Router) -> str:
    q = lambda s: '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    shapes = {"department": "box", "matter": "doubleoctagon", "stage": "ellipse"}
    styles = {"leads": "bold", "takes_part": "dashed", "has_stage": "solid", "next": "dotted",
              "handover": "bold", "selects": "dotted", "relates": "dotted"}
    lines = ["digraph routes {", f"  label={q(r.profile.district + ' “一件事”路由')};", "  rankdir=LR;"]
    for n, d in r.graph.nodes(data=True):
        shape = shapes.get(d.get("kind"), "note")
        lines.append(f"  {q(n)} [label={q(_label(r, n))}, shape={shape}];")
    for u, v, d in r.graph.edges(data=True):
        kind = d.get("kind", "")
        text = {"leads": "牵头", "takes_part": "配合", "next": "下一环节", "handover": d.get("how", "移交"),
                "selects": "判定结果", "relates": "相关"}.get(kind, "")
        lines.append(f"  {q(u)} -> {q(v)} [label={q(text)}, style={styles.get(kind, 'solid')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _svg(r: Router) -> str:
    """A plain picture: one row per matter, one box per stage with its lead and partners."""
    col, pad, line = 230, 12, 18
    rows, y = [], 40
    width = 0
    for m in r.data.matters:
        height = max(3 + len(st.partners) for st in m.stages) * line + 2 * pad
        rows.append((m, y, height))
        width = max(width, 160 + len(m.stages) * col)
        y += height + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 20}" height="{y}" font-family="sans-serif" font-size="12">',
           f'<text x="10" y="24" font-size="16" font-weight="bold">{html.escape(r.profile.district)} “一件事”路由</text>']
    for m, top, height in rows:
        out.append(f'<text x="10" y="{top + 20}" font-weight="bold">{html.escape(m.name)}</text>')
        for i, st in enumerate(m.stages):
            x = 150 + i * col
            out.append(f'<rect x="{x}" y="{top}" width="{col - 20}" height="{height}" rx="6" fill="#f6f8fa" stroke="#555"/>')
            if i:
                out.append(f'<line x1="{x - 20}" y1="{top + height / 2}" x2="{x}" y2="{top + height / 2}" stroke="#555" marker-end="url(#a)"/>')
            texts = [(st.name, "bold", "#000"), ("牵头：" + r.name(st.lead[0].dept), "bold", "#a00")]
            texts += [("配合：" + r.name(p.dept), "normal", "#333") for p in st.partners]
            for k, (t, weight, color) in enumerate(texts):
                out.append(f'<text x="{x + pad}" y="{top + pad + (k + 1) * line - 4}" font-weight="{weight}" fill="{color}">{html.escape(t)}</text>')
    out.insert(1, '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


