"""A notebook-first research workbook for recursive and hybrid reasoning models

Modules:

- `reasoning_nb.analysis.compare`: Validation loss against steps, wall time and training FLOPs, ACT statistics, and a summary JSON — regenerated from two result files at any time.
- `reasoning_nb.data`: Text in, int32 token ids out: an offline default corpus, local files or HF datasets, a cached BPE or HF tokenizer, deterministic by-document splits, and stateless batches that are identical for 1 or N DDP processes.
- `reasoning_nb.engine`: One loop for every model kind: parameter groups, the LR schedule, AMP, clipping, EMA, evaluation and the best model, atomic checkpoints with exact resume, DDP, JSON-lines metrics and a progress bar. A model kind plugs in a small `Task`.
- `reasoning_nb.models.act`: Train a recursive reasoner one supervision step at a time, carrying its detached state across optimizer steps, and learn when to stop with a Q head (halt only, or halt + Q-learning continue).
- `reasoning_nb.models.gdn`: Projections, short causal convolutions, decay and write-strength gates and a gated output norm around the gated delta rule; the same module on CPU (chunked PyTorch) and GPU (FLA kernels).
- `reasoning_nb.models.puzzle`: `PuzzleModel` turns a puzzle row (token ids + puzzle id) into per-cell logits with a recursive reasoner (TRM or HRM, with deep supervision and halting) or a same-size transformer applied once, so one trainer serves all three.
- `reasoning_nb.models.recursion`: One recursion core for tiny recursive models (TRM) and hierarchical reasoning models (HRM): an answer state `y` and a latent `z` refined by any `[B, T, D] -> [B, T, D]` network, with gradient through the last cycle only.
- `reasoning_nb.models.recursive_lm`: The hybrid block stack as the recursed network of a TRM-style reasoner over tokens, with deep supervision and a sequence-level ACT head that learns when another step stops paying.
- `reasoning_nb.ops.lm_loss`: The LM head's loss without its logits: cross-entropy of `h @ weight.T` computed a block of rows at a time, with the gradients of `h` and `weight` formed in the same pass, so the full `[N, V]` logits never exist at once.
- `reasoning_nb.puzzles.arc`: ARC-AGI-1 and ARC-AGI-2 as fixed-length token puzzles for recursive reasoners: 30×30 canvases with end markers, invertible dihedral, colour and translation augmentations, one puzzle id per augmented task, seeded cached builds, and inverse-augmentation voting for pass@1 and pass@2.
- `reasoning_nb.puzzles.maze`: 30×30 mazes whose shortest start-to-goal path is long, as fixed-length token puzzles: a seeded generator, a shortest-path validator, the 8 dihedral augmentations with exact inverses, and a checked loader for the `sapientinc/maze-30x30-hard-1k` CSVs.
- `reasoning_nb.puzzles.sudoku`: Hard 9×9 Sudoku as fixed-length token puzzles: a bitmask solver that proves uniqueness and rates difficulty, a seeded generator of hard puzzles, validity-preserving augmentations with exact inverses, a canonical form that keeps held-out puzzles out of training, and a checked loader for the `sapientinc/sudoku-extreme` CSVs.
- `reasoning_nb.train`: The exp8 models as tasks on the engine: the baseline trains on one batch per step, the recursive mode carries its slots between steps. One settings class feeds the pipeline notebook and the `rnb-train-exp8` command alike.
- `reasoning_nb.train_puzzles`: `PuzzleModel` (TRM, HRM, transformer) as a task on the engine: each optimizer step is one supervision step on a full batch of slots, the puzzle embeddings get their own parameter group, evaluation reports exact and cell accuracy, steps and ARC pass@k, and the run ends with results JSON, curves and pictures."""

__version__ = "0.1.0"
