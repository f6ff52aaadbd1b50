"""``kb report``: one self-contained HTML page about the corpus.

The numbers come from :func:`pipeline.stats.collect` (the same as ``kb stats --json``);
this module only draws them. Plots are Vega-Lite charts made with Altair and rendered
to SVG by vl-convert, inlined in the page: no script or font is fetched, and a
Content-Security-Policy forbids the page any request at all. Every section is an
aggregate or a top-N list, so the page stays the same size at 100,000 articles.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import pathlib
import time
from typing import Any

LANG_NAMES = {"id": "Indonesian", "pl": "Polish", "nl": "Dutch"}
LANG_COLOURS = {"id": "#c8553d", "pl": "#2a7f9e", "nl": "#e09f3e"}
KIND_ORDER = ["myth", "tip", "statistic", "example"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
SECTIONS = [("documents", "Documents per language"), ("items", "Items per kind and language"),
            ("artefacts", "Artefacts removed"), ("statistics", "Statistics and their sources"),
            ("myths", "Myths and their rebuttals"), ("clusters", "The same advice across languages"),
            ("rejected", "Rejected inputs")]


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _lang_scale(langs: list[str]):
    import altair as alt

    langs = sorted(set(langs), key=lambda c: (c not in LANG_COLOURS, c))
    return alt.Scale(domain=[LANG_NAMES.get(c, c) for c in langs],
                     range=[LANG_COLOURS.get(c, "#888888") for c in langs])


def _svg(chart) -> str:
    import vl_convert as vlc

    spec = chart.configure(font=FONT, background="transparent").configure_view(stroke=None) \
        .configure_axis(labelFontSize=12, titleFontSize=12, grid=False, domainColor="#999", tickColor="#999",
                        labelColor="#333", titleColor="#555") \
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="top").to_dict(validate=False)
    svg = vlc.vegalite_to_svg(spec)
    return svg[svg.index("<svg"):]


def charts(stats: dict[str, Any]) -> dict[str, str]:
    """The report's plots as inline SVG, by name."""
    import altair as alt

    out: dict[str, str] = {}
    docs = [{"language": LANG_NAMES.get(r["lang"], r["lang"]), "documents": r["documents"]}
            for r in stats["documents_per_language"]]
    langs = [r["lang"] for r in stats["documents_per_language"]] + [r["lang"] for r in stats["items_per_kind"]]
    scale = _lang_scale(langs)
    out["documents"] = _svg(alt.Chart(alt.Data(values=docs)).mark_bar(cornerRadiusEnd=3, height=22).encode(
        y=alt.Y("language:N", title=None, sort="-x"), x=alt.X("documents:Q", title="documents", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("language:N", scale=scale, legend=None),
        tooltip=["language:N", "documents:Q"]).properties(width=400, height=alt.Step(30)))
    items = [{"kind": r["kind"], "language": LANG_NAMES.get(r["lang"], r["lang"]), "items": r["items"]}
             for r in stats["items_per_kind"]]
    kinds = [k for k in KIND_ORDER if any(r["kind"] == k for r in items)] + \
        sorted({r["kind"] for r in items} - set(KIND_ORDER))
    out["items"] = _svg(alt.Chart(alt.Data(values=items)).mark_bar(height=18).encode(
        y=alt.Y("kind:N", title=None, sort=kinds), yOffset=alt.YOffset("language:N"),
        x=alt.X("items:Q", title="items"), color=alt.Color("language:N", scale=scale, title="language"),
        tooltip=["kind:N", "language:N", "items:Q"]).properties(width=400, height=alt.Step(14)))
    rules = [{"rule": r["rule"], "removals": r["removals"], "documents": r["documents"]}
             for r in stats["removals_per_rule"][:15]]
    out["artefacts"] = _svg(alt.Chart(alt.Data(values=rules)).mark_bar(color="#6c757d", cornerRadiusEnd=3).encode(
        y=alt.Y("rule:N", title=None, sort="-x"), x=alt.X("removals:Q", title="spans removed"),
        tooltip=["rule:N", "removals:Q", "documents:Q"]).properties(width=400, height=alt.Step(20)))
    sources = [{"source": _short(r["source"], 48), "statistics": r["statistics"], "documents": r["documents"]}
               for r in stats["top_sources"]]
    out["sources"] = _svg(alt.Chart(alt.Data(values=sources or [{"source": "(no named source)", "statistics": 0,
                                                                  "documents": 0}]))
                          .mark_bar(color="#2a7f9e", cornerRadiusEnd=3).encode(
        y=alt.Y("source:N", title=None, sort="-x"), x=alt.X("statistics:Q", title="statistics quoted", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=["source:N", "statistics:Q", "documents:Q"]).properties(width=400, height=alt.Step(20)))
    spans: dict[int, int] = {1: 0, 2: 0, 3: 0}
    for r in stats["cluster_sizes"]:
        spans[r["n_languages"]] = spans.get(r["n_languages"], 0) + r["clusters"]
    sizes = [{"span": f"{n} language{'s' if n > 1 else ''}", "clusters": c} for n, c in sorted(spans.items())]
    out["clusters"] = _svg(alt.Chart(alt.Data(values=sizes)).mark_bar(color="#7a5195", cornerRadiusEnd=3,
                                                                      height=22).encode(
        y=alt.Y("span:N", title=None, sort=[s["span"] for s in sizes]), x=alt.X("clusters:Q", title="clusters", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=["span:N", "clusters:Q"]).properties(width=400, height=alt.Step(30)))
    return out


def _short(text: Any, n: int) -> str:
    text = "" if text is None else " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 1000 or value.is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else _e(value)


def _figure(name: str, svg: str, caption: str) -> str:
    return (f'<figure class="plot" data-plot="{name}">{svg}'
            f'<figcaption>{_e(caption)}</figcaption></figure>')


def _table(headers: list[tuple[str, str]], rows: list[list[Any]], sortable: bool = False, cls: str = "") -> str:
    """headers: (label, type) with type "num" or "text"; cells are escaped here."""
    head = "".join(f'<th data-type="{t}"{" tabindex=0" if sortable else ""}>{_e(h)}</th>' for h, t in headers)
    body = []
    for row in rows:
        cells = []
        for (h, t), v in zip(headers, row):
            if t == "num":
                sort = "" if v is None else f' data-sort="{float(v)!r}"'
                cells.append(f'<td class="num"{sort}>{_number(v)}</td>')
            elif t == "year":
                sort = "" if v is None else f' data-sort="{int(v)}"'
                cells.append(f'<td class="num"{sort}>{"" if v is None else int(v)}</td>')
            elif t == "code":
                cells.append(f"<td><code>{_e(_short(v, 160))}</code></td>")
            else:
                cells.append(f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    classes = " ".join(c for c in ("sortable" if sortable else "", cls) if c)
    return (f'<div class="table-wrap"><table class="{classes}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _lang_badge(code: str) -> str:
    return f'<span class="lang lang-{_e(code)}">{_e(code)}</span>'


def render(stats: dict[str, Any], title: str = "Knowledge store report", generated: str | None = None) -> str:
    """The report page (a string of HTML) for ``stats`` from :func:`pipeline.stats.collect`."""
    svg = charts(stats)
    t = stats["totals"]
    generated = generated or dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    langs = sorted({r["lang"] for r in stats["documents_per_language"]},
                   key=lambda c: (c not in LANG_NAMES, list(LANG_NAMES).index(c) if c in LANG_NAMES else 0, c))
    cards = [("documents", t["documents"]), ("items", t["items"]), ("statistics", stats["statistics_summary"]
             ["statistics"]), ("myths", stats["myths_total"]), ("cross-language clusters",
             t["cross_language_clusters"]), ("spans removed", t["removed_spans"]), ("rejected inputs", t["rejected"])]
    parts = [f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title><style>{CSS}</style></head><body>
<header><div class="wrap"><h1>{_e(title)}</h1>
<p class="sub">{t["documents"]:,} articles in {len(langs)} language{"s" if len(langs) != 1 else ""}
({", ".join(LANG_NAMES.get(c, c) for c in langs)}) · generated {_e(generated)}</p>
<div class="cards">{"".join(f'<div class="card"><b>{_number(v)}</b><span>{_e(k)}</span></div>' for k, v in cards)}</div>
<nav>{"".join(f'<a href="#{sid}">{_e(name)}</a>' for sid, name in SECTIONS)}</nav></div></header><main class="wrap">"""]

    parts.append(_section("documents", "Documents per language", _duo(_figure("documents", svg["documents"],
                 "Articles accepted into the store, by detected language."), _table(
        [("language", "text"), ("documents", "num"), ("characters of clean text", "num")],
        [[LANG_NAMES.get(r["lang"], r["lang"]), r["documents"], r["clean_chars"]]
         for r in stats["documents_per_language"]]))))

    by_kind: dict[str, dict[str, int]] = {}
    for r in stats["items_per_kind"]:
        by_kind.setdefault(r["kind"], {})[r["lang"]] = r["items"]
    parts.append(_section("items", "Items per kind and language", _duo(_figure("items", svg["items"],
                 "Myths, tips, statistics and cited examples extracted, per language."), _table(
        [("kind", "text")] + [(LANG_NAMES.get(c, c), "num") for c in langs] + [("total", "num")],
        [[k] + [by_kind[k].get(c, 0) for c in langs] + [sum(by_kind[k].values())]
         for k in sorted(by_kind, key=lambda k: (k not in KIND_ORDER, KIND_ORDER.index(k) if k in KIND_ORDER else 0))]
    ))))

    parts.append(_section("artefacts", "Artefacts removed", f"""<p class="lead">Every span the de-noiser removed
is kept with the rule that removed it ({t["removed_spans"]:,} spans, {t["removed_chars"]:,} characters).
The rules that fired most, with the first span each removed:</p>""" + _figure(
        "artefacts", svg["artefacts"], "Spans removed per rule (top 15).") + _table(
        [("rule", "text"), ("spans", "num"), ("documents", "num"), ("characters", "num"), ("example", "code")],
        [[r["rule"], r["removals"], r["documents"], r["chars"], r["example"]] for r in stats["removals_per_rule"]],
        sortable=True)))

    s = stats["statistics_summary"]
    shown = len(stats["statistics"])
    parts.append(_section("statistics", "Statistics and their sources", f"""<p class="lead">{s["statistics"]:,}
statistics in {s["documents"]:,} documents; {s["with_source"]:,} name their source ({s["sources"]:,} distinct
sources).{f" The table shows the {shown:,} quoted by the most documents." if shown < s["statistics"] else ""}
"Quoted in" counts the documents stating the same statistic (its cluster: the same value, unit and
subject). Click a column to sort.</p>""" + _figure("sources", svg["sources"], "The most quoted sources.") + _table(
        [("value", "num"), ("unit", "text"), ("source", "text"), ("year", "year"), ("quoted in", "num"),
         ("language", "text"), ("statement", "text"), ("document", "text")],
        [[r["value"], (r["unit"] or "") + (f" ({r['currency']})" if r.get("currency") else ""),
          _short(r["source"], 70),
          r["year"], r["quoted_in"], r["lang"], _short(r["text"], 220), _short(r["document"], 70)]
         for r in stats["statistics"]], sortable=True, cls="stats")))

    myths = "".join(f"""<article class="myth">{_lang_badge(m["lang"])}<h3>{_e(_short(m["text"], 240))}</h3>
<p>{_e(_short(m["rebuttal"], 420)) if m["rebuttal"] else '<i class="none">no rebuttal found</i>'}</p>
<footer>{_e(_short(m["document"], 90))}{f' · said in {m["cluster_size"]} places' if m["cluster_size"] else ""}
</footer></article>""" for m in stats["myths"])
    more = stats["myths_total"] - len(stats["myths"])
    parts.append(_section("myths", "Myths and their rebuttals", (
        f'<div class="myths">{myths}</div>' if myths else '<p class="empty">No myths were extracted.</p>') +
        (f'<p class="more">and {more:,} more (<code>kb sql "SELECT * FROM myths"</code>)</p>' if more > 0 else "")))

    parts.append(_section("clusters", "The same advice across languages", f"""<p class="lead">Items of one kind
from different articles that say the same thing ({t["clusters"]:,} clusters, {t["cross_language_clusters"]:,}
spanning more than one language). The largest cross-language clusters, side by side:</p>""" + _figure(
        "clusters", svg["clusters"], "Clusters by the number of languages they span.") + _clusters_html(
        stats["clusters"], langs)))

    rej = stats["rejections"]
    parts.append(_section("rejected", "Rejected inputs", _table(
        [("stage", "text"), ("reason", "text"), ("files", "num"), ("example", "code")],
        [[r["stage"], r["reason"], r["files"], r["example"]] for r in rej]) if rej else
        f'<p class="empty">No input was rejected: every file became a document.</p>'))
    parts.append(f"""</main><footer class="page"><div class="wrap">Made by <code>kb report</code> from the
knowledge store; the same numbers: <code>kb stats --json</code>.</div></footer><script>{SCRIPT}</script>
</body></html>""")
    return "".join(parts)


def _duo(left: str, right: str) -> str:
    return f'<div class="duo"><div>{left}</div><div>{right}</div></div>'


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}" data-section="{sid}"><h2>{_e(title)}</h2>{body}</section>'


def _clusters_html(clusters: list[dict], langs: list[str]) -> str:
    if not clusters:
        return '<p class="empty">No cluster spans more than one language.</p>'
    out = []
    for c in clusters:
        cols = []
        for code in langs:
            members = c["members"].get(code, [])
            body = "".join(f'<li>{_e(_short(m["text"], 200))}<small>{_e(_short(m["document"], 60))}</small></li>'
                           for m in members) or '<li class="none">—</li>'
            cols.append(f'<div class="col">{_lang_badge(code)}<ul>{body}</ul></div>')
        out.append(f"""<article class="cluster" data-cluster="{_e(c["cluster_id"])}"><header>
<span class="kind">{_e(", ".join(c["kinds"]))}</span> {c["size"]} items · {c["documents"]} articles ·
{c["n_languages"]} languages</header><div class="cols" style="grid-template-columns: repeat({len(langs)}, 1fr)">
{"".join(cols)}</div></article>""")
    return "".join(out)


def write(ks, out: str | os.PathLike, title: str | None = None) -> tuple[pathlib.Path, float]:
    """Write the report for the store ``ks`` to ``out``; return its path and the seconds it took."""
    from pipeline.stats import collect

    t0 = time.perf_counter()
    page = render(collect(ks), title or f"Knowledge store report: {pathlib.Path(ks.path).name}")
    path = pathlib.Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path, time.perf_counter() - t0


CSS = """
:root { --ink: #1f2933; --muted: #5f6c7b; --line: #e4e7eb; --bg: #f7f8fa; --accent: #2a7f9e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif;
       color: var(--ink); background: var(--bg); }
.wrap { max-width: 1080px; margin: 0 auto; padding: 0 24px; }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 28px 0 0; }
h1 { margin: 0; font-size: 28px; letter-spacing: -0.01em; }
.sub { margin: 4px 0 18px; color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 18px; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 10px; padding: 10px 16px;
        min-width: 120px; }
.card b { display: block; font-size: 22px; }
.card span { color: var(--muted); font-size: 13px; }
nav { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 10px 0 12px; border-top: 1px solid var(--line); }
nav a { color: var(--accent); text-decoration: none; font-size: 14px; }
nav a:hover { text-decoration: underline; }
section { background: #fff; border: 1px solid var(--line); border-radius: 12px; margin: 24px 0;
          padding: 20px 24px 24px; }
h2 { margin: 0 0 12px; font-size: 20px; }
.lead { color: var(--muted); margin: 0 0 14px; max-width: 760px; }
figure.plot { margin: 8px 0 16px; }
figure.plot svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; }
.table-wrap { overflow-x: auto; max-height: 560px; overflow-y: auto; border: 1px solid var(--line);
              border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th { position: sticky; top: 0; background: #f0f2f5; text-align: left; font-weight: 600; padding: 8px 10px;
     border-bottom: 1px solid var(--line); white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th::after { content: ' ↕'; color: #aab2bd; font-weight: 400; }
table.sortable th.asc::after { content: ' ↑'; color: var(--ink); }
table.sortable th.desc::after { content: ' ↓'; color: var(--ink); }
td { padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
tr:last-child td { border-bottom: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.stats { font-size: 13px; }
table.stats td:nth-child(3) { min-width: 170px; } table.stats td:nth-child(7) { min-width: 300px; }
table.stats td:nth-child(8) { min-width: 170px; }
th[data-type=num], th[data-type=year] { text-align: right; }
.duo { display: grid; grid-template-columns: minmax(0, 520px) minmax(0, 1fr); gap: 28px; align-items: start; }
@media (max-width: 900px) { .duo { grid-template-columns: 1fr; } }
li.none { list-style: none; margin-left: -18px; }
code { font: 12.5px/1.4 ui-monospace, 'DejaVu Sans Mono', monospace; background: #f3f4f6; padding: 1px 4px;
       border-radius: 4px; word-break: break-all; }
.lang { display: inline-block; font-size: 11px; font-weight: 700; text-transform: uppercase; color: #fff;
        border-radius: 4px; padding: 1px 6px; letter-spacing: 0.04em; }
.lang-id { background: #c8553d; } .lang-pl { background: #2a7f9e; } .lang-nl { background: #e09f3e; }
.myths { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
.myth { border: 1px solid var(--line); border-left: 4px solid #c8553d; border-radius: 8px; padding: 12px 14px; }
.myth h3 { font-size: 15px; margin: 6px 0; }
.myth p { margin: 0 0 8px; color: #3e4c59; font-size: 14px; }
.myth footer, .cluster small { color: var(--muted); font-size: 12px; }
.cluster { border: 1px solid var(--line); border-radius: 10px; margin: 0 0 14px; overflow: hidden; }
.cluster header { background: #f4f1f8; border: 0; padding: 8px 14px; font-size: 13px; color: var(--muted); }
.cluster .kind { font-weight: 700; color: #7a5195; text-transform: uppercase; font-size: 12px; }
.cols { display: grid; gap: 0; }
.col { padding: 10px 14px; border-left: 1px solid var(--line); }
.col:first-child { border-left: 0; }
.col ul { margin: 6px 0 0; padding-left: 18px; }
.col li { margin-bottom: 6px; font-size: 14px; }
.col small { display: block; }
.none, .empty, .more { color: var(--muted); }
footer.page { color: var(--muted); font-size: 13px; padding: 8px 0 40px; }
"""

# Sort a table by the clicked column: numbers by data-sort, text by locale; click again to reverse.
SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    function sort() {
      var asc = !th.classList.contains('asc');
      table.querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
      th.classList.add(asc ? 'asc' : 'desc');
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows),
          num = th.dataset.type === 'num' || th.dataset.type === 'year';
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col], d;
        if (num) {
          var p = parseFloat(x.dataset.sort), q = parseFloat(y.dataset.sort);
          p = isNaN(p) ? -Infinity : p; q = isNaN(q) ? -Infinity : q; d = p - q;
        } else { d = x.textContent.localeCompare(y.textContent); }
        return asc ? d : -d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') sort(); });
  });
});
"""


def as_json(stats: dict[str, Any]) -> str:
    return json.dumps(stats, ensure_ascii=False, indent=1, default=str)
