"""A notebook-first research workbook for recursive and hybrid reasoning models

Modules:

- `reasoning_nb.data`: Text in, int32 token ids out: an offline default corpus, local files or HF datasets, a cached BPE or HF tokenizer, deterministic by-document splits, and stateless batches that are identical for 1 or N DDP processes.
- `reasoning_nb.models.gdn`: Projections, short causal convolutions, decay and write-strength gates and a gated output norm around the gated delta rule; the same module on CPU (chunked PyTorch) and GPU (FLA kernels).
- `reasoning_nb.train`: One training loop for the exp8 models: AdamW with warmup and cosine decay, periodic evaluation, atomic checkpoints with exact resume, JSON-lines metrics, and the same code under `torchrun` with DDP."""

__version__ = "0.1.0"
