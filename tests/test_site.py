"""The results site (`make site`): built offline, then every page opened in headless Chromium (Debian's `chromium`).

The browser part fails on console errors, requests that fail with a real error (refused, DNS, 4xx/5xx), resources
that never load, images that do not load, internal links or #anchors that lead nowhere, notebook error outputs, math
that MathJax could not typeset, and empty pages; it saves screenshots to outputs/site_screenshots/. It depends on no
timing: each page is left only once it has settled (loaded, MathJax done, network idle), and a request the browser
aborted (`net::ERR_ABORTED`, e.g. a worker or font still loading when the test moved on) counts only if the file it
asked for cannot be fetched. Without Chromium (or Playwright) it is skipped with the reason;
CI installs Chromium (.ci/run). The static part (no browser) checks the questions table, that every notebook,
paper and exported function is on the site, and that no page loads anything from the network.
"""
import functools, html, importlib, inspect, json, os, re, shutil, subprocess, sys, threading, urllib.error, urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin, urlparse, unquote
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import build_site

SITE = ROOT / "_site"
SHOTS = ROOT / "outputs" / "site_screenshots"


def _chromium():
    for p in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if p and Path(p).exists(): return p


@pytest.fixture(scope="module")
def site():
    "Build the site as `make site` does (executed notebooks come from the cache when nothing changed)"
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "build_site.py"), "build", "--check"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=3600)
    assert r.returncode == 0, f"make site failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    return SITE


def _pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html")
                  if not {"assets", "search"} & set(p.relative_to(site).parts) and p.name != "404.html")


# ------------------------------------------------------------------------------------------------ no browser needed
def test_questions_file_and_table():
    qs = build_site.load_questions()
    assert build_site.update_readme(check=True), "papers/README.md is out of date: run `make questions`"
    cited = {q["paper"].split("#")[0] for q in qs}
    papers = {p.name for p in (ROOT / "papers").glob("*.md")} - {"README.md"}
    assert papers <= cited, f"papers with no question in papers/questions.yml: {sorted(papers - cited)}"


def test_a_failing_notebook_is_reported_and_not_cached(tmp_path):
    "The suite's notebook step (build_site.py execute) names a notebook whose cell fails, and never caches it"
    import nbformat
    nb = tmp_path / "99_fails.ipynb"
    cell = nbformat.v4.new_code_cell("assert 1 == 2, 'broken on purpose'")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), cell]), nb)
    assert build_site.execute_all([nb], tmp_path / "out", workers=1) == ["99_fails.ipynb"]
    assert not list(build_site.CACHE.glob("99_fails.*"))
    assert "broken on purpose" in (tmp_path / "out" / "99_fails.ipynb").read_text()   # shown with its error


def test_bad_questions_file_is_refused(tmp_path):
    good = (ROOT / "papers" / "questions.yml").read_text()
    bad = tmp_path / "q.yml"
    (tmp_path / "figures").symlink_to(ROOT / "papers" / "figures")  # the figures the questions point at
    bad.write_text(good.replace("status: open", "status: maybe", 1))
    with pytest.raises(SystemExit, match=r"question \d+: status must be one of"): build_site.load_questions(bad)
    bad.write_text(re.sub(r'headline: "[^"]*", ', "", good, count=1))
    with pytest.raises(SystemExit, match="missing headline"): build_site.load_questions(bad)


def test_site_has_every_notebook_paper_and_function(site):
    index = (site / "index.html").read_text()
    qs = build_site.load_questions()
    for q in qs: assert html.escape(q["question"], quote=False) in index, f"front page lacks: {q['question']}"
    for nb in (ROOT / "nbs").glob("*.ipynb"): assert (site / "nbs" / f"{nb.stem}.html").exists(), nb.name
    for p in (ROOT / "papers").glob("*.md"):
        assert (site / "papers" / ("index.html" if p.name == "README.md" else f"{p.stem}.html")).exists(), p.name
    # the sidebar follows nbs/sidebar.yml
    order = [n for _, ns in build_site.sidebar_order() for n in ns]
    hrefs = [m for m in re.findall(r'href="nbs/([\w.-]+)\.html"', index)]
    seen = list(dict.fromkeys(h + ".ipynb" for h in hrefs))
    assert seen == order, f"sidebar order {seen} != nbs/sidebar.yml {order}"
    # API reference: every exported function and class, with its signature and docstring
    n = 0
    for mod in build_site._api_modules():
        page = (site / "api" / f"{mod}.html").read_text()
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))
        words = re.sub(r"\W+", "", text)          # docstrings are rendered as Markdown: compare their words
        m = importlib.import_module(mod)
        for name in m.__all__:
            obj = getattr(m, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)): continue
            assert f'id="{mod}.{name}"' in page, f"API reference lacks {mod}.{name}"
            doc = inspect.getdoc(obj)
            if doc and doc != inspect.getdoc(object) and not doc.startswith(f"{name}("):   # dataclasses' own doc: the signature
                assert re.sub(r"\W+", "", doc.splitlines()[0]) in words, f"{mod}.{name}: docstring missing"
            if inspect.isfunction(obj):
                for p in list(inspect.signature(obj).parameters)[:3]: assert p in text, f"{mod}.{name}: parameter {p} not shown"
            n += 1
    assert n > 50
    assert 'class="doc-signature' in (site / "api" / "reasoning_nb.metrics.html").read_text()


def test_site_loads_nothing_from_the_network(site):
    "Offline: no script, stylesheet, image or font from another host (MathJax is bundled)"
    assert (site / "assets" / "mathjax" / "MathJax.js").exists()
    ext = re.compile(r'<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)="((?:https?:)?//[^"]+)"', re.I)
    for p in _pages(site):
        text = p.read_text()
        offenders = [u for u in ext.findall(text) if not re.match(r"(?i)<a\b", u)]
        offenders = [u for u in offenders if not u.startswith(("https://reasoning-nb.github.io",))]
        assert not offenders, f"{p.relative_to(site)} loads {offenders[:3]}"


def test_executed_notebooks_have_no_errors(site):
    for nb in (build_site.SRC / "nbs").glob("*.ipynb"):
        errs = [c for c in json.loads(nb.read_text())["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
        assert not errs, f"{nb.name}: error output in the executed notebook: {errs[0]['outputs']}"


# ------------------------------------------------------------------------------------------------ in the browser
class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


@pytest.fixture(scope="module")
def browser_page(site):
    chromium = _chromium()
    missing = pytest.fail if os.environ.get("CI") else pytest.skip      # CI must run it (.ci/run installs Chromium)
    if not chromium: missing("no Chromium: install Debian's `chromium` (apt-get install -y chromium) to run the browser test")
    try: from playwright.sync_api import sync_playwright
    except ImportError: missing("playwright is not installed (it is in the dev extras: pip install -e '.[dev]')")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}/"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = b.new_page(viewport={"width": 1280, "height": 900})
        yield base, page
        b.close()
    srv.shutdown()


_PAGE_STATE = """() => {
  const main = document.querySelector('article') || document.body;
  const outputs = [...document.querySelectorAll('.jp-OutputArea-output, .output_area, .jp-RenderedText')];
  return {
    text: main.innerText.trim().length,
    ids: [...document.querySelectorAll('[id]')].map(e => e.id).concat([...document.querySelectorAll('a[name]')].map(e => e.name)),
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    badImages: [...document.querySelectorAll('img')].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src')),
    images: document.querySelectorAll('article img, .jp-OutputArea-output img').length,
    math: document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_SVG').length,
    mathErrors: document.querySelectorAll('.MathJax_Error, merror, .noError').length,
    tracebacks: outputs.filter(o => /Traceback \\(most recent call last\\)|^\\w*(Error|Exception): /m.test(o.innerText)).length,
  };
}"""


SETTLE_MS = 600_000     # a bound, not a timing: a page that has not settled in 10 minutes is broken


def settle(page):
    "Wait until the page has loaded, MathJax (where present) is done and the network is idle"
    page.wait_for_load_state("load", timeout=SETTLE_MS)
    page.wait_for_function("() => !window.MathJax || window.mathjaxDone === true", timeout=SETTLE_MS)
    page.wait_for_load_state("networkidle", timeout=SETTLE_MS)


def fetchable(url: str) -> bool:
    "Can `url` be fetched (status < 400)? For requests the browser aborted: is the file there?"
    try:
        with urllib.request.urlopen(url, timeout=60) as r: return r.status < 400
    except (urllib.error.URLError, OSError): return False


def failed_request(url: str, failure: str, aborted: dict, problems: list, where: str):
    "Record a failed request: an abort is checked later by fetching the file; any other failure is a problem"
    if "ERR_ABORTED" in (failure or ""): aborted.setdefault(url, where)
    else: problems.append(f"{where}: request failed: {url} ({failure})")


def visit_all(base: str, page, site: Path) -> tuple[list[str], dict]:
    "Open every page of `site`; a list of problems (empty when the site is sound) and each page's state"
    problems, states, cur, aborted = [], {}, {"url": ""}, {}
    page.on("console", lambda m: m.type == "error" and problems.append(f"{cur['url']}: console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"{cur['url']}: page error: {e}"))
    page.on("requestfailed", lambda r: failed_request(r.url, r.failure, aborted, problems, cur["url"]))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{cur['url']}: HTTP {r.status} for {r.url}"))
    for p in _pages(site):
        rel = p.relative_to(site).as_posix(); cur["url"] = rel
        page.goto(base + rel, wait_until="load", timeout=SETTLE_MS)
        settle(page)
        s = page.evaluate(_PAGE_STATE); states[rel] = s
        if s["text"] < 80: problems.append(f"{rel}: empty page ({s['text']} characters)")
        for src in s["badImages"]: problems.append(f"{rel}: image does not load: {src}")
        if s["mathErrors"]: problems.append(f"{rel}: {s['mathErrors']} formula(s) MathJax could not typeset")
        if s["tracebacks"]: problems.append(f"{rel}: {s['tracebacks']} notebook output(s) with an error")
    # internal links: the target exists, and so does its #anchor
    for rel, s in states.items():
        for href in s["links"]:
            u = urlparse(urljoin(base + rel, href))
            if not (base + rel).startswith(f"{u.scheme}://{u.netloc}/") or u.scheme not in ("http", "https"): continue
            target = unquote(u.path)[1:] or "index.html"
            if target.endswith("/"): target += "index.html"
            if not (site / target).exists(): problems.append(f"{rel}: broken link {href}"); continue
            if u.fragment and target in states and unquote(u.fragment) not in states[target]["ids"]:
                problems.append(f"{rel}: link {href}: no #{u.fragment} on {target}")
    for url, where in aborted.items():           # aborted by the browser: a problem only if the file is not there
        if not fetchable(url): problems.append(f"{where}: resource never loads: {url}")
    return problems, states


def test_only_real_request_failures_count(tmp_path):
    "An aborted request for a file that exists is no problem; one for a missing file, or a refused one, is"
    (tmp_path / "here.js").write_text("1")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}/"
    try:
        problems, aborted = [], {}
        failed_request(base + "here.js", "net::ERR_ABORTED", aborted, problems, "a.html")
        failed_request(base + "gone.woff", "net::ERR_ABORTED", aborted, problems, "b.html")
        failed_request(base + "x.png", "net::ERR_CONNECTION_REFUSED", aborted, problems, "c.html")
        assert problems == [f"c.html: request failed: {base}x.png (net::ERR_CONNECTION_REFUSED)"]
        assert [u for u in aborted if not fetchable(u)] == [base + "gone.woff"]
    finally: srv.shutdown()


def test_every_page_in_chromium(browser_page, site):
    base, page = browser_page
    problems, states = visit_all(base, page, site)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(dict.fromkeys(problems))
    # the front page shows each answered question's figure (thumbnails that load: see badImages above)
    with_fig = sum(1 for q in build_site.load_questions() if q.get("figure"))
    assert with_fig >= 10 and states["index.html"]["images"] >= with_fig, states["index.html"]["images"]
    # math renders where the sources have it: every notebook whose markdown has $...$
    for nb in (ROOT / "nbs").glob("*.ipynb"):
        md = "".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "markdown")
        if re.search(r"\$[^$\s][^$]*\$", md): assert states[f"nbs/{nb.stem}.html"]["math"] > 0, f"{nb.name}: math not rendered"
    # screenshots: the front page, one paper (with a plot, and math where a paper has it), a notebook with math
    SHOTS.mkdir(parents=True, exist_ok=True)
    papers = {k: v for k, v in states.items() if k.startswith("papers/") and not k.endswith("index.html")}
    with_plot = sorted((v["math"] > 0, v["images"] > 0, k) for k, v in papers.items())
    assert with_plot and with_plot[-1][1], "no paper shows a figure"
    math_nb = max((k for k in states if k.startswith("nbs/")), key=lambda k: states[k]["math"])
    for name, rel in [("front_page", "index.html"), ("paper", with_plot[-1][2]), ("notebook_math", math_nb)]:
        page.goto(base + rel, wait_until="load", timeout=SETTLE_MS)
        settle(page)
        if name == "paper":       # scroll to the first figure so the screenshot shows it
            page.evaluate("() => document.querySelector('article img').scrollIntoView({block: 'center'})")
        page.wait_for_timeout(500)                   # the header's title transition after scrolling
        page.screenshot(path=str(SHOTS / f"{name}.png"))
    assert (SHOTS / "front_page.png").stat().st_size > 10_000
