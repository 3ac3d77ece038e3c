"""Regenerate the `parameters` cell of every pipeline notebook from its settings class (reasoning_nb.params).

A notebook opts in by starting that cell with the line `params_cell` writes ("# parameters: generated from
<module>.<Class> ..."); the rest of the cell is rewritten from the class, so a setting is declared once, in its
config. `python tools/params_cells.py` rewrites stale cells; `--check` lists them and exits 1 (CI runs it).
"""
import argparse, importlib, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = re.compile(r"^# parameters: generated from ([\w.]+)\.(\w+) ")


def stale_cells(root: Path = ROOT) -> list[tuple[Path, int, str]]:
    "(notebook, cell index, fresh source) of each generated parameters cell whose source differs from its class"
    from reasoning_nb.params import params_cell
    out = []
    for nb in sorted((root / "nbs").glob("*.ipynb")):
        for i, c in enumerate(json.loads(nb.read_text())["cells"]):
            src = "".join(c["source"])
            m = MARK.match(src) if "parameters" in c.get("metadata", {}).get("tags", []) else None
            if not m: continue
            fresh = params_cell(getattr(importlib.import_module(m.group(1)), m.group(2)))
            if src != fresh: out.append((nb, i, fresh))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="list stale cells and exit 1 instead of rewriting them")
    a = ap.parse_args(argv)
    stale = stale_cells()
    for nb, i, fresh in stale:
        if a.check: print(f"{nb.relative_to(ROOT)}: cell {i} (parameters) is stale: run python tools/params_cells.py")
        else:
            d = json.loads(nb.read_text())
            d["cells"][i]["source"] = fresh.splitlines(True)
            nb.write_text(json.dumps(d, indent=1, ensure_ascii=False) + "\n")
            print(f"{nb.relative_to(ROOT)}: parameters cell regenerated")
    return 1 if a.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
