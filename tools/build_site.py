"""Build the static results site offline (`make site`) and keep the research-question tables in sync.

    python tools/build_site.py questions     # regenerate the table in papers/README.md from papers/questions.yml
    python tools/build_site.py execute       # execute every notebook as nbdev-test does, into the cache (the test suite's
                                             # notebook step: the site test then executes nothing again); exit 1 on a failure
    python tools/build_site.py stage         # execute the notebooks and stage everything under _build/site_src/
    python tools/build_site.py build         # questions + stage + `mkdocs build` into _site/
    python tools/build_site.py keep-run outputs/exp8_compare/20_train_exp8.ipynb exp8_recursive_cpu_compare
                                             # keep the executed notebook of a run a paper cites (papers/runs/)

The HTML is made by maintained tools: MkDocs (Material theme), mkdocs-jupyter for the notebooks, mkdocstrings for
the API reference, MathJax 2 from the `jupyter-server-mathjax` wheel (no CDN). This script only prepares their input:
- every notebook in nbs/ is executed the way `nbdev-test` runs it (nbdev's own cell filter: cells flagged with the
  project's `tst_flags`, i.e. slow/gpu/notest, are left out), in a fresh process per notebook, two at a time; a
  pipeline notebook that declares `output_dir` writes under outputs/site/<notebook>/ (a parameter cell is injected
  after its `parameters` cell, as papermill does). Executed copies are cached under _build/nbcache/, keyed by the
  notebook, the library sources and the flags, so a rebuild with nothing changed executes nothing;
- `#| hide` cells are dropped and `#|` directive lines removed from what is shown;
- papers/*.md and papers/figures/ are copied as they are; executed notebooks of the CPU runs the papers cite, kept
  in papers/runs/*.ipynb, are rendered under "Runs";
- the front page is the table of papers/questions.yml; the navigation follows nbs/sidebar.yml.
"""
from __future__ import annotations
import argparse, hashlib, json, os, re, shutil, subprocess, sys, time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
SRC = BUILD / "site_src"            # mkdocs.yml's docs_dir
CACHE = BUILD / "nbcache"
CACHE_VERSION = "1"                 # bump when execute_notebook changes what it writes
STATUSES = ("answered on CPU", "answered on GPU", "open")
MARK_BEGIN = "<!-- questions: generated from questions.yml by `make questions`; edit that file, not this table -->"
MARK_END = "<!-- /questions -->"


# ---------------------------------------------------------------------------------------------------- questions
def load_questions(path: Path = ROOT / "papers" / "questions.yml") -> list[dict]:
    "The questions of `path`, checked: each has question, status (one of STATUSES), headline and paper"
    try: data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as e: raise SystemExit(f"{path}: not valid YAML: {e}")
    qs = (data or {}).get("questions")
    if not isinstance(qs, list) or not qs: raise SystemExit(f"{path}: needs a non-empty list `questions:`")
    for i, q in enumerate(qs, 1):
        where = f"{path}: question {i}"
        if not isinstance(q, dict): raise SystemExit(f"{where}: must be a mapping, got {q!r}")
        missing = [k for k in ("question", "status", "headline", "paper") if not str(q.get(k) or "").strip()]
        if missing: raise SystemExit(f"{where}: missing {', '.join(missing)}")
        extra = set(q) - {"question", "status", "headline", "paper", "figure"}
        if extra: raise SystemExit(f"{where}: unknown field(s) {sorted(extra)}")
        if q["status"] not in STATUSES: raise SystemExit(f"{where}: status must be one of {STATUSES}, got {q['status']!r}")
        if not re.fullmatch(r"[\w.-]+\.md(#[\w-]+)?", q["paper"]):
            raise SystemExit(f"{where}: paper must be a file in papers/ like name.md or name.md#section, got {q['paper']!r}")
        if "figure" in q and not (path.parent / str(q["figure"])).is_file():
            raise SystemExit(f"{where}: figure {q['figure']!r} is not a file under {path.parent}")
    return qs


def questions_table(qs: list[dict], prefix: str = "", papers: Path = ROOT / "papers") -> str:
    "Markdown table of `qs`; paper links get `prefix` (the path from the page to papers/); unwritten papers unlinked"
    cell = lambda s: str(s).replace("|", "\\|").strip()
    rows = ["| # | question | status | headline number | figure | paper |", "|---|---|---|---|---|---|"]
    for i, q in enumerate(qs, 1):
        fname = q["paper"].split("#")[0]
        link = f"[{fname}]({prefix}{q['paper']})" if (papers / fname).exists() else f"`{fname}` (not written yet)"
        # a markdown link around an <img>: mkdocs turns the .md target into its page, GitHub follows it as it is
        fig = (f'[<img src="{prefix}{q["figure"]}" alt="figure of question {i}" width="180">]({prefix}{q["paper"]})'
               if q.get("figure") else "")
        rows.append(f"| {i} | {cell(q['question'])} | {q['status']} | {cell(q['headline'])} | {fig} | {link} |")
    return "\n".join(rows)


def update_readme(check: bool = False, readme: Path = ROOT / "papers" / "README.md") -> bool:
    "Write the questions table into papers/README.md between the markers; with `check`, only say if it is current"
    text = readme.read_text()
    if MARK_BEGIN not in text or MARK_END not in text: raise SystemExit(f"{readme}: the table markers are missing")
    head, rest = text.split(MARK_BEGIN, 1)
    new = f"{head}{MARK_BEGIN}\n{questions_table(load_questions())}\n{MARK_END}{rest.split(MARK_END, 1)[1]}"
    if check: return new == text
    if new != text: readme.write_text(new)
    return True


# ---------------------------------------------------------------------------------------------------- notebooks
def _tst_flags() -> list[str]:
    from nbdev.config import get_config
    f = get_config(ROOT).tst_flags
    return f.split() if isinstance(f, str) else list(f)


def _cache_key(nb: Path, flags: list[str]) -> str:
    h = hashlib.sha1(nb.read_bytes())
    for p in sorted((ROOT / "reasoning_nb").rglob("*.py")): h.update(p.name.encode()); h.update(p.read_bytes())
    h.update(" ".join(flags).encode()); h.update(CACHE_VERSION.encode())
    return h.hexdigest()[:16]


def _inject_output_dir(nb, name: str):
    "After the `parameters` cell of a pipeline that declares `output_dir`, a cell sending its outputs to outputs/site/"
    from fastcore.nbio import mk_cell
    for i, c in enumerate(nb.cells):
        if "parameters" in c.get("metadata", {}).get("tags", []) and re.search(r"^output_dir\s*[:=]", c.source, re.M):
            new = mk_cell(f'output_dir = "outputs/site/{name}"   # set by tools/build_site.py', "code")
            new.metadata["tags"] = ["injected-parameters"]
            nb.cells.insert(i + 1, new)
            for j, c2 in enumerate(nb.cells): c2.idx_ = j
            return


def execute_notebook(src: str, dest: str, flags: list[str]) -> tuple[str, bool, float, str]:
    "Run `src` as nbdev-test does (nbdev's cell filter, cwd nbs/), keep the outputs, write the shown form to `dest`"
    from nbdev.process import NBProcessor
    from nbdev.test import _skip_cell
    from execnb.shell import CaptureShell
    from fastcore.nbio import write_nb
    src, t0, err = Path(src), time.time(), ""
    os.environ.setdefault("MPLBACKEND", "Agg"); os.environ["IN_TEST"] = "1"     # as nbdev-test sets it
    sys.path.insert(0, str(ROOT))
    nb = NBProcessor(src, rm_directives=False, process=True).nb
    _inject_output_dir(nb, src.stem)
    shell = CaptureShell(src)
    cwd = os.getcwd(); os.chdir(src.parent)
    try: shell.run_all(nb, exc_stop=True, preproc=_skip_cell(nb, flags, []))
    except BaseException as e: err = shell.prettytb(fname=src) if hasattr(shell, "prettytb") else repr(e)
    finally: os.chdir(cwd)
    cells = []
    for c in nb.cells:
        c.get("metadata", {}).pop("execution", None)     # execnb's timings are numbers; nbformat wants strings
        d = getattr(c, "directives_", None) or {}
        if "hide" in d or "injected-parameters" in c.get("metadata", {}).get("tags", []): continue
        if c.cell_type == "code":
            c.source = "\n".join(l for l in c.source.splitlines() if not re.match(r"\s*#\s*\|", l)).strip("\n")
            if not c.source and not c.get("outputs"): continue
        cells.append(c)
    nb.cells = cells
    write_nb(nb, dest)
    return src.name, not err, time.time() - t0, err or ""


def execute_all(nbs: list[Path], dest: Path, workers: int = 2, fresh: bool = False) -> list[str]:
    "Executed copies of `nbs` in `dest` (from the cache where current); returns the names of notebooks that failed"
    flags, jobs, failed = _tst_flags(), [], []
    CACHE.mkdir(parents=True, exist_ok=True); dest.mkdir(parents=True, exist_ok=True)
    for nb in nbs:
        cached = CACHE / f"{nb.stem}.{_cache_key(nb, flags)}.ipynb"
        if cached.exists() and not fresh: shutil.copy(cached, dest / nb.name)
        else: jobs.append((nb, cached))
    print(f"notebooks: {len(nbs) - len(jobs)} cached, {len(jobs)} to execute ({workers} at a time)", flush=True)
    if not jobs: return failed
    env = dict(OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    os.environ.update(env)
    import multiprocessing as mp
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), max_tasks_per_child=1) as ex:
        futs = {ex.submit(execute_notebook, str(nb), str(cached) + ".tmp", flags): (nb, cached) for nb, cached in jobs}
        for f in as_completed(futs):
            nb, cached = futs[f]
            try: name, ok, secs, err = f.result()
            except Exception as e: name, ok, secs, err = nb.name, False, 0.0, repr(e)
            print(f"  {'ok  ' if ok else 'FAIL'} {name} ({secs:.0f} s)", flush=True)
            tmp = Path(str(cached) + ".tmp")
            if ok:
                for old in CACHE.glob(f"{nb.stem}.*.ipynb"): old.unlink()
                tmp.replace(cached); shutil.copy(cached, dest / nb.name)
            else:
                failed.append(name); sys.stderr.write(f"{name} failed:\n{err}\n")
                if tmp.exists(): tmp.replace(dest / nb.name)     # shown with its error: the site test fails on it
    return failed


def keep_run(src: Path, name: str, colors: int = 128) -> Path:
    "Copy the executed notebook `src` of a run a paper cites to papers/runs/`name`.ipynb: PNGs palette-quantised,\n    progress bars reduced to their final state (what a terminal shows)"
    import base64, io
    from PIL import Image
    nb = json.loads(Path(src).read_text())
    errs = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    if errs: raise SystemExit(f"{src}: has an error output ({errs[0].get('ename')}); keep only runs that finished")
    before = after = 0
    for c in nb["cells"]:
        merged = []                                   # papermill keeps each progress-bar update as its own output
        for o in c.get("outputs", []):
            if o.get("text") is not None and not isinstance(o["text"], str): o["text"] = "".join(o["text"])
            if merged and o.get("output_type") == "stream" == merged[-1].get("output_type") and o["name"] == merged[-1]["name"]:
                merged[-1]["text"] += o["text"]
            else: merged.append(o)
        if "outputs" in c: c["outputs"] = merged
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream":     # progress bars: keep what a terminal shows (the last \r state)
                text = o["text"] if isinstance(o["text"], str) else "".join(o["text"])
                o["text"] = re.sub(r"[^\n]*\r(?!\n)", "", text)
            png = o.get("data", {}).get("image/png")
            if not png: continue
            raw = base64.b64decode(png if isinstance(png, str) else "".join(png))
            img = Image.open(io.BytesIO(raw)).convert("RGB").quantize(colors=colors)
            buf = io.BytesIO(); img.save(buf, "PNG", optimize=True)
            small = buf.getvalue() if len(buf.getvalue()) < len(raw) else raw
            before, after = before + len(raw), after + len(small)
            o["data"]["image/png"] = base64.b64encode(small).decode()
    dest = ROOT / "papers" / "runs" / f"{name}.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    print(f"{dest.relative_to(ROOT)}: {dest.stat().st_size // 1024} KiB (images {before // 1024} -> {after // 1024} KiB)")
    return dest


# ---------------------------------------------------------------------------------------------------- staging
def _nb_title(nb: Path) -> str:
    for c in json.loads(nb.read_text())["cells"]:
        if c["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+)$", "".join(c["source"]), re.M)
            if m: return m.group(1).strip()
    return nb.stem


def _md_title(md: Path) -> str:
    m = re.search(r"^#\s+(.+)$", md.read_text(), re.M)
    return m.group(1).strip() if m else md.stem


def sidebar_order(nbs_dir: Path = ROOT / "nbs") -> list[tuple[str | None, list[str]]]:
    "(section or None, [notebook names]) in the order of nbs/sidebar.yml, then any notebook it does not list"
    sb = yaml.safe_load((nbs_dir / "sidebar.yml").read_text())["website"]["sidebar"]["contents"]
    out, seen = [], set()
    for item in sb:
        if isinstance(item, str): out.append((None, [item])); seen.add(item)
        else: out.append((item["section"], list(item["contents"]))); seen.update(item["contents"])
    rest = sorted(p.name for p in nbs_dir.glob("*.ipynb") if p.name not in seen)
    if rest: out.append(("Other notebooks", rest))
    return out


def _api_modules() -> list[str]:
    mods = []
    for p in sorted((ROOT / "reasoning_nb").rglob("*.py")):
        if p.name.startswith("_"): continue
        if "__all__" in p.read_text(): mods.append(".".join(p.relative_to(ROOT).with_suffix("").parts))
    return mods


def execute(workers: int = 2, fresh: bool = False) -> list[str]:
    "Execute every notebook in nbs/ (not only the sidebar's) into the cache; returns the names of those that failed"
    nbs = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith(("_", ".")))
    t0 = time.time(); failed = execute_all(nbs, BUILD / "executed", workers, fresh)
    print(f"{len(nbs) - len(failed)} of {len(nbs)} notebooks pass, in {time.time() - t0:.0f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""), flush=True)
    return failed


def stage(workers: int = 2, fresh: bool = False, execute: bool = True) -> list[str]:
    "Everything mkdocs needs under _build/site_src/ (and the nav in _build/nav.yml); returns failed notebooks"
    if SRC.exists(): shutil.rmtree(SRC)
    SRC.mkdir(parents=True)
    # notebooks, executed
    order = sidebar_order()
    names = [n for _, ns in order for n in ns]
    missing = [n for n in names if not (ROOT / "nbs" / n).exists()]
    if missing: raise SystemExit(f"nbs/sidebar.yml lists notebooks that do not exist: {missing}")
    nbs = [ROOT / "nbs" / n for n in names]
    failed = execute_all(nbs, SRC / "nbs", workers, fresh) if execute else []
    if not execute:
        (SRC / "nbs").mkdir()
        for nb in nbs: shutil.copy(nb, SRC / "nbs" / nb.name)
    # papers, their figures, the executed runs they cite
    shutil.copytree(ROOT / "papers", SRC / "papers", ignore=shutil.ignore_patterns("runs", "questions.yml"))
    runs = sorted((ROOT / "papers" / "runs").glob("*.ipynb")) if (ROOT / "papers" / "runs").exists() else []
    if runs:
        (SRC / "runs").mkdir()
        for r in runs: shutil.copy(r, SRC / "runs" / r.name)
    # API reference: one page per exported module
    (SRC / "api").mkdir()
    mods = _api_modules()
    for m in mods: (SRC / "api" / f"{m}.md").write_text(f"# `{m}`\n\n::: {m}\n")
    (SRC / "api" / "index.md").write_text("# API reference\n\nEvery exported function and class, with its signature "
        "and docstring, generated from the `reasoning_nb` sources by mkdocstrings.\n\n"
        + "\n".join(f"- [`{m}`]({m}.md)" for m in mods) + "\n")
    # the front page
    qs = load_questions()
    counts = {s: sum(q["status"] == s for q in qs) for s in STATUSES}
    (SRC / "index.md").write_text(
        "# reasoning_nb: results\n\n"
        "One row per research question of the workbook: its status, the number that answers it and the paper with "
        "the commands, machine, seeds and spread behind that number. "
        f"{len(qs)} questions: {', '.join(f'{n} {s}' for s, n in counts.items())}.\n\n"
        + questions_table(qs, prefix="papers/") + "\n\n"
        "The table is generated from `papers/questions.yml`. The workbook itself: the [overview](nbs/index.ipynb) "
        "(the README), every notebook in the sidebar in the order of its number band (executed when this site was "
        "built, at the notebooks' CPU defaults), the [papers](papers/README.md)"
        + (", the [executed runs](runs/" + runs[0].name + ") the papers cite" if runs else "")
        + " and the [API reference](api/index.md).\n")
    # MathJax, offline: the copy that the jupyter-server-mathjax wheel ships
    import jupyter_server_mathjax
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", SRC / "assets" / "mathjax")
    shutil.copy(ROOT / "tools" / "site_assets" / "mathjax-config.js", SRC / "assets" / "mathjax-config.js")
    # navigation
    nav = [{"Results": "index.md"}]
    for section, ns in order:
        entries = [{f"{n.split('_')[0]} {_nb_title(ROOT / 'nbs' / n)}" if "_" in n else _nb_title(ROOT / "nbs" / n):
                    f"nbs/{n}"} for n in ns]
        if section is None: nav += [{"Overview" if n == "index.ipynb" else k: v} for n, e in zip(ns, entries) for k, v in e.items()]
        else: nav.append({section: entries})
    papers = sorted(p for p in (ROOT / "papers").glob("*.md") if p.name != "README.md")
    nav.append({"Papers": [{"Index": "papers/README.md"}] + [{_md_title(p): f"papers/{p.name}"} for p in papers]})
    if runs: nav.append({"Runs": [{r.stem: f"runs/{r.name}"} for r in runs]})
    nav.append({"API reference": [{"Index": "api/index.md"}] + [{m.removeprefix("reasoning_nb."): f"api/{m}.md"} for m in mods]})
    (BUILD / "nav.yml").write_text(yaml.safe_dump(nav, sort_keys=False, allow_unicode=True))
    return failed


def build(workers: int = 2, fresh: bool = False, strict: bool = False, check_questions: bool = False) -> int:
    "questions + stage + mkdocs build into _site/; non-zero when a notebook failed or mkdocs did"
    t0 = time.time()
    if check_questions:
        if not update_readme(check=True): raise SystemExit("papers/README.md is out of date: run `make questions`")
    else: update_readme()
    failed = stage(workers, fresh)
    cmd = [sys.executable, "-m", "mkdocs", "build", "--clean", "-f", str(ROOT / "mkdocs.yml")] + (["--strict"] if strict else [])
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    rc = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    print(f"site: {ROOT / '_site'} in {time.time() - t0:.0f} s" + (f"; notebooks that failed: {failed}" if failed else ""))
    return rc or (1 if failed else 0)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["questions", "execute", "stage", "build", "keep-run"])
    ap.add_argument("run", nargs="*", help="keep-run: SRC.ipynb NAME (the executed notebook of a run a paper cites)")
    ap.add_argument("--check", action="store_true", help="exit 1 if papers/README.md is out of date (build: instead of updating it)")
    ap.add_argument("--workers", type=int, default=int(os.environ.get("SITE_WORKERS", 2)))
    ap.add_argument("--fresh", action="store_true", help="execute every notebook again, ignoring the cache")
    ap.add_argument("--strict", action="store_true", help="mkdocs --strict: warnings (e.g. broken links) fail the build")
    a = ap.parse_args()
    if a.what == "questions": sys.exit(0 if update_readme(check=a.check) else 1)
    if a.what == "keep-run":
        if len(a.run) != 2: ap.error("keep-run takes SRC.ipynb NAME")
        keep_run(Path(a.run[0]), a.run[1]); sys.exit(0)
    if a.what == "execute": sys.exit(1 if execute(a.workers, a.fresh) else 0)
    if a.what == "stage": sys.exit(1 if stage(a.workers, a.fresh) else 0)
    sys.exit(build(a.workers, a.fresh, a.strict, a.check))
