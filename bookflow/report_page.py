"""The book-health report's HTML page around its charts."""

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
  section {{ border-top: 1px solid #ddd; margin-top: 1.5rem; }}
</style>
</head>
<body>
<h1>Book health, {as_of}</h1>
<p class="headline">{headline}</p>
<p class="meta">bookflow coverage marts from {database}, drawn {generated}.</p>
{sections}
</body>
</html>
"""
