"""De-noising layers, each a small module of plain functions over a text and its offsets.

Used by the ingest and denoise stages (``pipeline/stages``); none of them does I/O.

  headers     metadata headers at the top (YAML/TOML/JSON front matter, bare ``key: value`` runs)
  wrappers    template and code wrappers recognised by their syntax (PHP arrays, JS modules,
              Blade directives, comment lines, MDC components, template expressions)
  titles      the title from the document's structure (front matter, ``<h1>``, first heading)
  markdown    block structure from a real markdown parser (markdown-it-py): code fences,
              tables, setext underlines
  furniture   a block classifier in the manner of jusText: share boxes, related posts, calls
              to action, footers, navigation (stopword and link density, length, position,
              cue phrases, repetition across the corpus)

Every function returns raw-text spans ``(start, end, rule)``: the caller records them as
removals, so ``raw_text[start:end]`` is always exactly what went.
"""
