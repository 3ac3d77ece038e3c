"The README is the index notebook, and its two fresh-machine commands exist."
import json, re
from conftest import ROOT

def test_index_notebook_mirrors_readme():
    nb = json.loads((ROOT / "nbs" / "index.ipynb").read_text())
    md = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert md.strip() == (ROOT / "README.md").read_text().strip(), "update nbs/index.ipynb from README.md (or back)"

def test_readme_commands_are_make_targets():
    readme, makefile = (ROOT / "README.md").read_text(), (ROOT / "Makefile").read_text()
    quick = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    targets = re.findall(r"^make (\w+)", quick, re.M)
    assert targets == ["run", "test"]
    for t in targets: assert re.search(rf"^{t}:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
