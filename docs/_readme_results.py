"""Generate ``docs/results.rst`` from the README's "Results" section.

The README is the single source of the results tables (each next to the
command that reproduces it); the docs page is regenerated from it on every
build, so the two cannot drift apart. Only the Markdown the README uses is
converted: headings, paragraphs, pipe tables, inline code, bold, links,
images and HTML comments (dropped).
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _inline(text):
    text = re.sub(r"!\[([^\]]*)\]\(([^)]+)\)", r"\1 (``\2``)", text)
    # links to repository files become literal paths; web links stay links
    def link(m):
        label, url = m.group(1), m.group(2)
        if url.startswith("http"):
            return f"`{label} <{url}>`__"
        return f"{label} (``{url}``)"

    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", link, text)
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    text = text.replace("\\|", "|")
    return text


def _table(rows):
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", r.strip().strip("|"))] for r in rows]
    cells = [r for r in cells if not all(re.fullmatch(r":?-+:?", c or "-") for c in r)]
    n = max(len(r) for r in cells)
    out = [".. list-table::", "   :header-rows: 1", ""]
    for r in cells:
        r = r + [""] * (n - len(r))
        out.append("   * - " + (_inline(r[0]) or "\\ "))
        out.extend("     - " + (_inline(c) or "\\ ") for c in r[1:])
    return out + [""]


def convert(markdown):
    lines, out, i = markdown.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("<!--"):
            i += 1
            continue
        m = re.match(r"^(#{2,4}) (.*)$", line)
        if m:
            title = _inline(m.group(2))
            out += [title, "=-~^"[len(m.group(1)) - 2] * len(title), ""]
            i += 1
            continue
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out += _table(rows)
            continue
        out.append(_inline(line))
        i += 1
    return "\n".join(out) + "\n"


def write_results_page(dest):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Results")
    end = readme.index("\n## ", start + 1)
    section = readme[start:end]
    text = (
        ".. Generated from README.md by docs/_readme_results.py: edit the README.\n\n"
        + convert(section)
    )
    Path(dest).write_text(text, encoding="utf-8")
