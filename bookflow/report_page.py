"""The book-health report's HTML page: its sections, and plotly's basic bundle inlined so the page
opens offline. The bundle (bookflow/report_js/) is stored gzipped and inlined as base64; the page
unpacks it with the browser's own DecompressionStream and draws the charts once it is loaded.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

REPORT_JS = Path(__file__).resolve().parent / "report_js" / "plotly-basic-3.3.1.min.js.gz"
CHART_CONFIG = {"displaylogo": False, "responsive": True}


def _section(section) -> str:  # noqa: ANN001 (a bookflow.report_charts.Section)
    parts = [f"<h2>{html.escape(section.title)}</h2>", f'<p class="question">{html.escape(section.question)}</p>']
    if section.note:
        parts.append(f'<p class="note">{html.escape(section.note)}</p>')
    if section.figure is not None:
        parts.append(f'<div id="{section.div_id}" class="chart"></div>')
    return "<section>" + "".join(parts) + "</section>"


def render_page(sections: list, *, as_of: str, headline: str, generated: str, database: str) -> str:
    figures = {
        section.div_id: json.loads(section.figure.to_json()) for section in sections if section.figure is not None
    }
    # "</" would end the script element early; JSON allows it escaped.
    figures_json = json.dumps(figures).replace("</", "<\\/")
    return PAGE.format(
        as_of=html.escape(as_of),
        headline=html.escape(headline),
        generated=html.escape(generated),
        database=html.escape(database),
        sections="\n".join(_section(section) for section in sections),
        plotly_gzip_base64=base64.b64encode(REPORT_JS.read_bytes()).decode("ascii"),
        figures=figures_json,
        config=json.dumps(CHART_CONFIG),
    )


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bookflow book-health report, {as_of}</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px;
         padding: 1.5rem; color: #222; }}
  h1 {{ margin-bottom: 0.2rem; }}
  .headline {{ font-size: 1.1rem; }}
  .meta, .question {{ color: #666; margin-top: 0; }}
  .note {{ background: #f6f6f0; border-left: 4px solid #c9b458; padding: 0.6rem 0.8rem; }}
  .chart {{ height: 420px; }}
  section {{ border-top: 1px solid #ddd; margin-top: 1.5rem; }}
</style>
</head>
<body>
<h1>Book health, {as_of}</h1>
<p class="headline">{headline}</p>
<p class="meta">bookflow coverage marts from {database}, drawn {generated}.</p>
{sections}
<script id="plotly-basic-gzip" type="application/octet-stream">{plotly_gzip_base64}</script>
<script id="figures" type="application/json">{figures}</script>
<script>
(async () => {{
  const packed = Uint8Array.from(atob(document.getElementById("plotly-basic-gzip").textContent), (c) => c.charCodeAt(0));
  const code = await new Response(new Blob([packed]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  const script = document.createElement("script");
  script.textContent = code;
  document.head.appendChild(script);
  const figures = JSON.parse(document.getElementById("figures").textContent);
  for (const [id, figure] of Object.entries(figures)) {{
    Plotly.newPlot(id, figure.data, figure.layout, {config});
  }}
}})();
</script>
</body>
</html>
"""
