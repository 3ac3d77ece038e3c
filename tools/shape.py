"""The shape of the workbook's code, measured from the files: exported-cell sizes, definitions per cell, examples
that follow them, module sizes, and settings declared more than once.

    python tools/shape.py            # the report (CI prints it)
    python tools/shape.py --check    # also exit 1 where a target is missed (targets below)
    python tools/shape.py --names    # every name declared more than once, with where

A *declaration* is an annotated field of a config class (a `Config` subclass) in the package (`lr: float = 1e-3  # ...`;
a field whose type is another config class, `lm: HybridLMConfig`, is a branch of the tree, not a setting) or an annotated
name in a notebook's `parameters` cell that is not generated from a settings class (tools/params_cells.py). A
*definition* is a top-level `def`/`class` of an exported cell. The anchor figures are fastcore's
(nbs/01_basics.ipynb): median exported cell about 6 lines, 4 % over 25 lines, 1.08 definitions per cell.
"""
import argparse, ast, json, re, statistics, sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"median_cell": 10, "max_cell": 40, "defs_per_cell": 1.2, "max_module": 400, "names_declared_twice": 10}
GENERATED = re.compile(r"^# parameters: generated from ")
ASSERTS = re.compile(r"\b(test_eq|test_ne|test_close|test_fail|test_is|test_warns|assert)\b")


def _code(cell) -> str: return "".join(cell["source"]) if cell["cell_type"] == "code" else ""


def _body(src: str) -> list[str]:
    "Non-blank lines that are not nbdev directives"
    return [l for l in src.splitlines() if l.strip() and not l.strip().startswith("#|")]


def _definitions(src: str) -> int:
    try: tree = ast.parse("\n".join(l for l in src.splitlines() if not l.strip().startswith(("#|", "%", "!"))))
    except SyntaxError: return 0
    return sum(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body)


def cells(root: Path = ROOT) -> list[dict]:
    "Each exported cell: notebook, index, lines, definitions, followed by an asserting example"
    out = []
    for nb in sorted((root / "nbs").glob("*.ipynb")):
        cs = json.loads(nb.read_text())["cells"]
        for i, c in enumerate(cs):
            src = _code(c)
            if not re.search(r"^#\|\s*export", src, re.M): continue
            nxt = next((_code(d) for d in cs[i + 1:] if d["cell_type"] == "code"), "")
            out.append({"nb": nb.name, "cell": i, "lines": len(_body(src)), "defs": _definitions(src),
                        "example": bool(ASSERTS.search(nxt)) and not re.search(r"^#\|\s*export", nxt, re.M)})
    return out


def modules(root: Path = ROOT) -> dict[str, int]:
    return {str(p.relative_to(root)): len(p.read_text().splitlines()) for p in sorted((root / "reasoning_nb").rglob("*.py"))
            if p.name != "_modidx.py"}


def config_classes(root: Path = ROOT) -> list[tuple[Path, ast.ClassDef]]:
    "Every class of the package that derives (transitively) from `Config` (the configs and settings classes)"
    classes = [(p, n) for p in sorted((root / "reasoning_nb").rglob("*.py")) for n in ast.walk(ast.parse(p.read_text()))
               if isinstance(n, ast.ClassDef)]
    configs, grew = {"Config"}, True
    while grew:
        new = {n.name for _, n in classes if any(ast.unparse(b).split(".")[-1] in configs for b in n.bases)} - configs
        configs |= new; grew = bool(new)
    return [(p, n) for p, n in classes if n.name in configs]


def declarations(root: Path = ROOT) -> dict[str, list[str]]:
    "Declared name -> where (`module:Class` for a config field, `notebook:parameters` for a hand-written parameter)"
    out, classes = defaultdict(list), config_classes(root)
    names = {n.name for _, n in classes}
    branch = lambda ann: bool(set(re.findall(r"\w+", ast.unparse(ann))) & names)   # `lm: HybridLMConfig`: a branch
    for p, node in classes:
            for s in node.body:
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and "ClassVar" not in ast.unparse(s.annotation) \
                   and not branch(s.annotation):
                    out[s.target.id].append(f"{p.relative_to(root)}:{node.name}")
    for nb in sorted((root / "nbs").glob("*.ipynb")):
        for c in json.loads(nb.read_text())["cells"]:
            src = _code(c)
            if "parameters" not in c.get("metadata", {}).get("tags", []) or GENERATED.match(src): continue
            for name in re.findall(r"^(\w+)\s*:[^=\n]+=", src, re.M): out[name].append(f"{nb.name}:parameters")
    return dict(out)


def report(root: Path = ROOT) -> dict:
    cs, ms, ds = cells(root), modules(root), declarations(root)
    lines = [c["lines"] for c in cs]
    twice = {k: v for k, v in ds.items() if len(v) > 1}
    return {"exported_cells": len(cs), "median_cell": statistics.median(lines), "max_cell": max(lines),
            "cells_over_25_pct": 100 * sum(l > 25 for l in lines) / len(lines),
            "cells_over_40": [f"{c['nb']}#{c['cell']} ({c['lines']})" for c in cs if c["lines"] > 40],
            "defs_per_cell": sum(c["defs"] for c in cs) / len(cs),
            "followed_by_example_pct": 100 * sum(c["example"] for c in cs) / len(cs),
            "max_module": max(ms.values()), "modules_over_400": {k: v for k, v in ms.items() if v > 400},
            "names_declared": len(ds), "declarations": sum(map(len, ds.values())),
            "names_declared_twice": len(twice), "twice": twice}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 where a target is missed")
    ap.add_argument("--names", action="store_true", help="list every name declared more than once")
    a = ap.parse_args(argv)
    r = report()
    print(f"exported cells: {r['exported_cells']}, median {r['median_cell']:.0f} lines (fastcore ~6; target <= "
          f"{TARGETS['median_cell']}), {r['cells_over_25_pct']:.0f} % over 25 (fastcore 4 %), largest {r['max_cell']} "
          f"(target <= {TARGETS['max_cell']}); {r['defs_per_cell']:.2f} definitions per cell (fastcore 1.08; target <= "
          f"{TARGETS['defs_per_cell']}); {r['followed_by_example_pct']:.0f} % followed by an asserting example (fastcore 47 %)")
    print(f"modules: largest {r['max_module']} lines (target <= {TARGETS['max_module']}); over 400: {r['modules_over_400'] or 'none'}")
    print(f"settings: {r['names_declared']} names declared {r['declarations']} times; {r['names_declared_twice']} declared more "
          f"than once (target <= {TARGETS['names_declared_twice']})")
    if r["cells_over_40"]: print("cells over 40 lines:", ", ".join(r["cells_over_40"]))
    if a.names:
        for k, v in sorted(r["twice"].items(), key=lambda kv: -len(kv[1])): print(f"  {k} ({len(v)}x): {', '.join(v)}")
    missed = [k for k, t in TARGETS.items() if (r[k] > t)]
    if a.check and missed: print("targets missed:", ", ".join(missed)); return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
