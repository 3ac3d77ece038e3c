"""A notebook-first research workbook for recursive and hybrid reasoning models

Modules:

- `reasoning_nb.analysis.compare`: Validation loss against steps, wall time and training FLOPs, ACT statistics, and a summary JSON — regenerated from two result files at any time.
- `reasoning_nb.data`: Text in, int32 token ids out: an offline default corpus, local files or HF datasets, a cached BPE or HF tokenizer, deterministic by-document splits, and stateless batches that are identical for 1 or N DDP processes.
- `reasoning_nb.models.act`: Train a recursive reasoner one supervision step at a time, carrying its detached state across optimizer steps, and learn when to stop with a Q head (halt only, or halt + Q-learning continue).
- `reasoning_nb.models.gdn`: Projections, short causal convolutions, decay and write-strength gates and a gated output norm around the gated delta rule; the same module on CPU (chunked PyTorch) and GPU (FLA kernels).
- `reasoning_nb.models.puzzle`: `PuzzleModel` turns a puzzle row (token ids + puzzle id) into per-cell logits with a recursive reasoner (TRM or HRM, with deep supervision and halting) or a same-size transformer applied once, so one trainer serves all three.
- `reasoning_nb.models.recursion`: One recursion core for tiny recursive models (TRM) and hierarchical reasoning models (HRM): an answer state `y` and a latent `z` refined by any `[B, L, D] -> [B, L, D]` network, with gradient through the last cycle only.
- `reasoning_nb.models.recursive_lm`: The hybrid block stack as the recursed network of a TRM-style reasoner over tokens, with deep supervision and a sequence-level ACT head that learns when another step stops paying.
- `reasoning_nb.models.soft_prompt`: One set of K continuous vectors per example, optimised so that a frozen LM regenerates the question after a "question" mode vector and the answer after an "answer" mode vector; batched over examples and restarts, with baselines, a convergence rule, a loss-curve health classifier, greedy decoding and resumable runs.
- `reasoning_nb.puzzles.arc`: ARC-AGI-1 and ARC-AGI-2 as fixed-length token puzzles for recursive reasoners: 30×30 canvases with end markers, invertible dihedral, colour and translation augmentations, one puzzle id per augmented task, seeded cached builds, and inverse-augmentation voting for pass@1 and pass@2.
- `reasoning_nb.puzzles.maze`: 30×30 mazes whose shortest start-to-goal path is long, as fixed-length token puzzles: a seeded generator, a shortest-path validator, the 8 dihedral augmentations with exact inverses, and a checked loader for the `sapientinc/maze-30x30-hard-1k` CSVs.
- `reasoning_nb.puzzles.sudoku`: Hard 9×9 Sudoku as fixed-length token puzzles: a bitmask solver that proves uniqueness and rates difficulty, a seeded generator of hard puzzles, validity-preserving augmentations with exact inverses, a canonical form that keeps held-out puzzles out of training, and a checked loader for the `sapientinc/sudoku-extreme` CSVs.
- `reasoning_nb.train`: One training loop for the exp8 models: AdamW with warmup and cosine decay, periodic evaluation, atomic checkpoints with exact resume, JSON-lines metrics, and the same code under `torchrun` with DDP.
- `reasoning_nb.train_puzzles`: One training loop for `PuzzleModel` (TRM, HRM, transformer): each optimizer step is one supervision step on a full batch of slots, AdamW with its own learning rate for puzzle embeddings, warmup + cosine, optional EMA, seeded evaluation (exact and cell accuracy, steps, ARC pass@k), exact resume, results JSON and pictures."""

__version__ = "0.1.0"
