"""Statistics charts (matplotlib, rendered on the server): open and closed major hazards per group."""

from __future__ import annotations

import io
from typing import Any


def bar_chart(stats: dict[str, Any], by: str, fmt: str = "svg", names: dict[str, str] | None = None) -> bytes:
    """A stacked bar chart of `stats["by"][by]` (open / closed per group) as SVG (text kept as text) or PNG.
    `names` maps a group key to what the chart shows (sector id -> 化工和危险化学品); counts on a whole-number axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.fonttype"] = "none"  # the viewer's fonts draw the Chinese labels
    matplotlib.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
                                              "Microsoft YaHei", "SimHei", "DejaVu Sans"]
    from matplotlib.ticker import MaxNLocator

    if names is None and by == "sector":  # sectors as users know them (化工和危险化学品, not chemicals)
        from engine import knowledge

        names = {sid: sector.label for sid, sector in knowledge.default().sectors.items()}
    groups = stats["by"].get(by, {})
    keys = list(groups)
    labels = [(names or {}).get(k, k) for k in keys]
    opened = [groups[k]["open"] for k in keys]
    closed = [groups[k]["closed"] for k in keys]
    fig, ax = plt.subplots(figsize=(max(6, 0.8 * len(labels) + 2), 4), dpi=120)
    ax.bar(labels, closed, label="已销号", color="#1e6b3a")
    ax.bar(labels, opened, bottom=closed, label="未销号", color="#b3261e")
    ax.set_title({"area": "按镇（街道）/园区", "sector": "按行业", "lead": "按牵头部门", "month": "按月份",
                  "clause": "按条款"}.get(by, by) + "的重大事故隐患")
    ax.set_ylabel("条数")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    plt.close(fig)
    return buf.getvalue()
