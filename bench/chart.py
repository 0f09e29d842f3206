"""The benchmark's scaling as an SVG chart, from bench/results.json (stdlib only).

    python3 bench/chart.py        # rewrites docs/img/bench-scaling.svg

Pure apart from the two files: the same results give the same bytes, so
tests/test_docs.py renders the chart again and compares it with the committed one
(`dev.py pictures` and `bench/run.py`'s full run call this too). No plotting library:
three to five points and two lines are a few SVG elements.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
CHART = HERE.parent / "docs" / "img" / "bench-scaling.svg"

WIDTH, HEIGHT = 640, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 40, 56
SERIES = (  # key in each scaling row, words, colour
    ("wall_s", "create, process start to exit", "#1f6feb"),
    ("last_create_s", "last CreateTable sent", "#d97706"),
)


def _nice_top(value: float) -> float:
    """The smallest of 1, 2, 5 x 10^n at or above `value`: a round top for the y axis."""
    step = 1.0
    while step * 10 < value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10  # pragma: no cover - the loop always returns


def render(results: Mapping[str, Any]) -> str:
    """The chart: seconds (y) against tables created at once (x), with the floor."""
    rows: Sequence[Mapping[str, Any]] = results["scaling"]
    floor = results["settings"]["create_table_ms"] / 1000
    x_max = max(r["tables"] for r in rows)
    y_max = _nice_top(max(max(r[key] for key, _, _ in SERIES for r in rows), floor) * 1.1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(value: float) -> float:
        return LEFT + plot_w * value / x_max

    def y(value: float) -> float:
        return TOP + plot_h * (1 - value / y_max)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<title>create: seconds against tables created at once (dynalite, CREATING '
           f'lasts {floor:g} s)</title>',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">create: seconds '
           f'against tables created at once</text>']
    for i in range(6):  # y grid and labels
        value = y_max * i / 5
        out.append(f'<line x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" '
                   f'y2="{y(value):.1f}" stroke="#e5e7eb"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">'
                   f'{value:g} s</text>')
    for r in rows:  # x labels at the measured sizes
        out.append(f'<text x="{x(r["tables"]):.1f}" y="{HEIGHT - BOTTOM + 18}" '
                   f'text-anchor="middle">{r["tables"]}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 14}" text-anchor="middle">'
               f'tables created at once</text>')
    out.append(f'<line x1="{LEFT}" y1="{y(floor):.1f}" x2="{WIDTH - RIGHT}" y2="{y(floor):.1f}"'
               f' stroke="#6b7280" stroke-dasharray="6 4"/>')
    out.append(f'<text x="{WIDTH - RIGHT}" y="{y(floor) - 6:.1f}" text-anchor="end" '
               f'fill="#6b7280">the floor: CREATING lasts {floor:g} s</text>')
    for n, (key, words, colour) in enumerate(SERIES):
        points = " ".join(f"{x(r['tables']):.1f},{y(r[key]):.1f}" for r in rows)
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"/>')
        for r in rows:
            out.append(f'<circle cx="{x(r["tables"]):.1f}" cy="{y(r[key]):.1f}" r="4" '
                       f'fill="{colour}"><title>{r["tables"]} tables: {r[key]:.2f} s'
                       f'</title></circle>')
        legend_y = TOP + 14 + 18 * n
        out.append(f'<line x1="{LEFT + 12}" y1="{legend_y - 4}" x2="{LEFT + 36}" '
                   f'y2="{legend_y - 4}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{LEFT + 42}" y="{legend_y}">{escape(words)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    CHART.parent.mkdir(parents=True, exist_ok=True)
    CHART.write_text(render(results), encoding="utf-8", newline="\n")
    print(f"wrote {CHART}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
