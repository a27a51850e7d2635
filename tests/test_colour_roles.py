"""One colour, one meaning: every colour a report figure gives a meaning comes from a named role of
:data:`vizlab.palette.ROLES`, and no colour has two roles across the figures.

Every report figure is drawn from its committed source data (no model); each colour it draws on a
line, marker, bar, patch or coloured text is mapped back to the palette's roles. Colours taken from a
colour map (heatmaps, images) and greys that no role names (ink: text, axes, separators) carry no
role and are skipped.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.collections import Collection
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.spines import Spine
from matplotlib.text import Text

from vizlab.drawings import DrawContext, registered_drawings
from vizlab.palette import ROLES, roles_of
from vizlab.plot.style import fit_to_page, report_style
from vizlab.sourcedata import load_source_data

FIGURES = Path(__file__).resolve().parents[1] / "figures"
IDS = list(registered_drawings())


def _grey(h: str) -> bool:
    return h[1:3] == h[3:5] == h[5:7]


def drawn_colours(fig) -> set[str]:
    """Hex colours (upper case, alpha dropped) of the figure's meaningful artists."""
    skip = {id(fig.patch)} | {id(ax.patch) for ax in fig.axes}
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for t in axis.get_major_ticks() + axis.get_minor_ticks():
                skip.update(id(o) for o in (t.tick1line, t.tick2line, t.gridline))
        if (leg := ax.get_legend()) is not None:
            skip.add(id(leg.get_frame()))
    found = set()

    def add(c):
        if c is None or (isinstance(c, str) and c.lower() == "none"):
            return
        try:
            rgba = plt.matplotlib.colors.to_rgba(c)
        except ValueError:
            return
        if rgba[3] == 0:
            return
        found.add(to_hex(rgba[:3]).upper())

    for o in fig.findobj():
        if id(o) in skip or isinstance(o, Spine) or not o.get_visible():
            continue
        if isinstance(o, Text):
            if o.get_text().strip():
                add(o.get_color())
                if (box := o.get_bbox_patch()) is not None:
                    add(box.get_facecolor())
        elif isinstance(o, Line2D):  # the line's colour where a line is drawn, the marker's where markers are
            if str(o.get_linestyle()).lower() not in ("none", "", " "):
                add(o.get_color())
            if str(o.get_marker()).lower() not in ("none", "", " ") and o.get_markersize() > 0:
                add(o.get_markeredgecolor())
                if o._marker.is_filled():
                    add(o.get_markerfacecolor())
        elif isinstance(o, Patch):
            add(o.get_facecolor() if o.get_fill() else None)
            add(o.get_edgecolor() if o.get_linewidth() else None)
        elif isinstance(o, Collection) and o.get_array() is None:  # not colour-mapped
            for c in o.get_facecolors():
                add(c)
            if len(o.get_linewidths()) and max(o.get_linewidths()) > 0:
                for c in o.get_edgecolors():
                    add(c)
    return found


def figure_roles() -> dict[str, dict[str, list[str]]]:
    """``{figure id: {colour: [its roles]}}`` over every report figure drawn as the figure script
    draws it."""
    out = {}
    for fid, spec in registered_drawings().items():
        with report_style():
            fig = spec.draw(load_source_data(FIGURES / f"{fid}.data.json"), DrawContext("pt"))
            fit_to_page(fig)
            out[fid] = {c: roles_of(c) for c in sorted(drawn_colours(fig))
                        if roles_of(c) or not _grey(c)}
            plt.close("all")
    return out


def check(used: dict[str, dict[str, list[str]]]) -> list[str]:
    """Problems: a colour with no role, a colour with two roles (naming the figures)."""
    where = defaultdict(set)
    for fid, colours in used.items():
        for c in colours:
            where[c].add(fid)
    problems = []
    for c, figs in sorted(where.items()):
        roles = roles_of(c)
        if not roles:
            problems.append(f"{c} has no role in vizlab.palette.ROLES (drawn in {', '.join(sorted(figs))})")
        elif len(roles) > 1:
            problems.append(f"{c} means {' and '.join(roles)} (drawn in {', '.join(sorted(figs))})")
    return problems


def test_each_role_has_a_colour_of_its_own():
    by_colour = defaultdict(list)
    for role, (c, _) in ROLES.items():
        by_colour[c.upper()].append(role)
    assert not {c: r for c, r in by_colour.items() if len(r) > 1}


def test_the_check_sees_a_colour_with_two_meanings_and_a_colour_with_none(monkeypatch):
    import vizlab.palette as pal

    monkeypatch.setitem(pal.ROLES, "highlight", ("#D55E00", "the element pointed at"))
    problems = check({"a": {"#D55E00": []}, "b": {"#123456": []}})
    assert problems == ["#123456 has no role in vizlab.palette.ROLES (drawn in b)",
                        "#D55E00 means negative and highlight (drawn in a)"]


@pytest.mark.slow
def test_every_colour_of_every_figure_has_one_role():
    used = figure_roles()
    assert set(used) == set(IDS)
    problems = check(used)
    assert not problems, "\n".join(problems)
