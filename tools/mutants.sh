#!/usr/bin/env bash
# Mutation check: put one known bug at a time into a temporary copy of the package, run the tests that guard
# against it, and print whether they caught it (the tests must FAIL on the mutant). Nothing in the checkout changes.
#   bash tools/mutants.sh            # every mutant (about 10 minutes on 2 cores)
#   bash tools/mutants.sh rng-restore ckpt-id-check
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$PWD/.venv/bin/python}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# name | file | text to replace | replacement | pytest arguments
MUTANTS=$(cat <<'EOF'
rng-restore|reasoning_nb/engine.py|set_rng_state(st["rng"][run.d.rank]); |pass; |tests/test_resume.py -k recursive or maze
optimizer-restore|reasoning_nb/engine.py|for o, s in zip(run.opts, st["optimizers"]): o.load_state_dict(s)|pass|tests/test_resume.py -k baseline
carry-restore|reasoning_nb/engine.py|run.task.load_state_dict(st["task"][run.d.rank])|None|tests/test_resume.py -k recursive
ema-restore|reasoning_nb/engine.py|if run.ema: run.ema.load_state_dict(st["ema"])|pass|tests/test_resume.py -k maze
ckpt-id-check|reasoning_nb/checkpoint.py|if meta.get("ckpt_id") != state.get("ckpt_id"):|if False:|tests/test_checkpoint_kill.py
write-in-place|reasoning_nb/checkpoint.py|tmp_w, tmp_s = Path(str(p["weights"]) + tag), Path(str(p["state"]) + tag)|tmp_w, tmp_s = p["weights"], p["state"]|tests/test_checkpoint_kill.py
no-ddp|reasoning_nb/engine.py|net = nn.parallel.DistributedDataParallel(model) if d.world_size > 1 else model|net = model|tests/test_ddp.py -k match_one
gdn-chunked|reasoning_nb/ops/gdn.py|return o.to(q.dtype), (S.view(B, H, K, V) if output_final_state else None)|return (o * 1.001).to(q.dtype), (S.view(B, H, K, V) if output_final_state else None)|tests/test_gdn_ops.py
q-continue|reasoning_nb/models/halting.py|torch.maximum(next_q_halt, next_q_continue)|next_q_continue|tests/test_recursion.py -k q_continue
causal-halting|reasoning_nb/models/act.py|y.float().cumsum(1) / torch.arange(1, y.shape[1] + 1, device=y.device).view(1, -1, 1)|y.float().mean(1, keepdim=True).expand_as(y)|tests/test_causality.py
dqn-soft-update|reasoning_nb/models/halting.py|if self.t > 0: soft_update(self.target, self.model.q_head, d.tau)|pass|tests/test_halting.py -k soft_update
dqn-tau-one|reasoning_nb/models/halting.py|soft_update(self.target, self.model.q_head, d.tau)|soft_update(self.target, self.model.q_head, 1.0)|tests/test_halting.py -k soft_update
halting-dispatch|reasoning_nb/models/halting.py|("bce", "loss"): MarginHalting|("bce", "loss"): BCEHalting|tests/test_halting.py -k loss_margin
policy-asked|reasoning_nb/models/act.py|halted = self._policy(halting).decide(|halted = self._policy(None).decide(|tests/test_halting.py -k asks_the_policy
lm-infer-causal|reasoning_nb/models/recursive_lm.py|logits, steps, _ = eval_steps(self, batch["inputs"], halting=halting)|return RecursiveReasoner.infer(self, batch, halting)|tests/test_causality.py -k infer
halting-restore|reasoning_nb/models/act.py|if self.halting is not None: self.halting.load_state_dict(d.get("halting", {}))|pass|tests/test_resume.py -k dqn
memory-write-in-place|reasoning_nb/models/memory.py|bank.keys = bank.keys.index_copy(0, slots, k)|bank.keys.index_copy_(0, slots, k)|tests/test_resume.py -k maze_memory
memory-usage-lost|reasoning_nb/models/memory.py|            self.register_buffer(name, t)|            self.register_buffer(name, t, persistent=name not in ("freq", "last_used"))|tests/test_resume.py -k maze_memory
lsh-query-planes|reasoning_nb/models/memory.py|return lsh_candidates(lsh_codes(q, bank.planes), *bank._index, bank.cfg.lsh_candidates)|return lsh_candidates(lsh_codes(q, torch.randn_like(bank.planes)), *bank._index, bank.cfg.lsh_candidates)|tests/test_memory.py -k recall
importance-weights|reasoning_nb/models/memory.py|IMPORTANCE_WEIGHTS = (0.3, 0.5, 0.2)|IMPORTANCE_WEIGHTS = (0.5, 0.3, 0.2)|tests/test_memory.py -k references
ema-eval|reasoning_nb/engine.py|    with run.ema.swapped() if run.ema else nullcontext():|    with nullcontext():|tests/test_engine.py
ddp-grad-scale|reasoning_nb/engine.py|(run.scaler.scale(loss) if run.scaler else loss).backward()|(run.scaler.scale(loss) if run.scaler else loss * run.d.world_size).backward()|tests/test_ddp.py -k match_one
divergence-check|reasoning_nb/engine.py|if due(cfg.eval_interval) or due(cfg.ckpt_interval): check_finite(run)|if False: check_finite(run)|tests/test_reliability.py -k divergence
torn-line|reasoning_nb/metrics.py|if not (torn_ok and i == last): raise|if True: raise|tests/test_reliability.py -k torn
finished-results|reasoning_nb/train.py|if not s["trained"] and path.exists(): return|if False: return|tests/test_reliability.py -k finished
tracker-mirror|reasoning_nb/engine.py|mirror=tracker and tracker.log|mirror=None|tests/test_tracker.py -k tensorboard
resume-relative|reasoning_nb/engine.py|    if not stem.is_absolute() and not stem.parent.exists(): stem = run.out / stem|    pass|tests/test_resume.py -k relative
user-umask|reasoning_nb/checkpoint.py|    os.chmod(path, 0o666 & ~_umask())|    pass|tests/test_reliability.py -k umask
registry-line|reasoning_nb/puzzles/base.py|"maze": "reasoning_nb.puzzles.maze:MAZE",|"maze": "reasoning_nb.puzzles.sudoku_data:SUDOKU",|tests/test_puzzle_registry.py -k resolve
kind-score|reasoning_nb/train_puzzles.py|self.kind.score(self.test_set, self.ev_rows|PuzzleKind.score(self.kind, self.test_set, self.ev_rows|tests/test_puzzle_registry.py -k trains
kind-show|reasoning_nb/train_puzzles.py|for ax, i, p in zip(axes, rows, preds): kind.show(ds, i, p, ax)|for ax, i, p in zip(axes, rows, preds): puzzle_kind("sudoku").show(ds, i, p, ax)|tests/test_puzzle_registry.py -k trains
kind-defaults|reasoning_nb/train_puzzles.py|    if not own: return p|    return p|tests/test_puzzle_registry.py -k trains
arc-end-corner|reasoning_nb/puzzles/arc.py|canvas[r + h:r + h + 1, c:c + w] = EOS|canvas[r + h:r + h + 1, c:c + w + 1] = EOS|tests/test_arc.py -k end_markers
sign-sgd-batch-ids|reasoning_nb/train_puzzles.py|        ids = ids.unique()|        ids = torch.cat([p.grad.reshape(len(p), -1).ne(0).any(1).nonzero().squeeze(1) for g in self.param_groups for p in g["params"]]).unique()|tests/test_train_puzzles.py -k sign_sgd
table-clipped|reasoning_nb/engine.py|for g in o.param_groups if g.get("clip", True) for p in g["params"]|for g in o.param_groups for p in g["params"]|tests/test_train_puzzles.py -k clipped
table-clip-flag|reasoning_nb/train_puzzles.py|"lr": self.train_cfg.puzzle_emb_lr, "clip": False,|"lr": self.train_cfg.puzzle_emb_lr, "clip": True,|tests/test_train_puzzles.py -k clipped
sudoku-min-clues|reasoning_nb/puzzles/sudoku_data.py|(clues < MIN_CLUES))|(clues < 0))|tests/test_sudoku.py -k bad_rows
cli-out-file|reasoning_nb/puzzles/base.py|if out.exists() and not out.is_dir(): raise DataError(|if False: raise DataError(|tests/test_sudoku.py -k one_line
ablation-arms|reasoning_nb/train_puzzles.py|check(len(self.arm_names) >= 1, "arms",|check(True, "arms",|tests/test_train_puzzles.py -k ablation
compile-graph-break|reasoning_nb/models/act.py|if carry.y.shape[1] and not bool(h.all()): raise ValueError(|if not bool(h.all()): raise ValueError(|tests/test_compile_puzzle.py -k trm_bce
cli-puzzles|reasoning_nb/cli.py|"puzzles": ("reasoning_nb.train_puzzles:puzzles_cli",|"puzzles": ("reasoning_nb.train:train_exp8",|tests/test_cli.py -k puzzles_trains_tiny
puzzles-tracker|reasoning_nb/train_puzzles.py|    if self.epochs is None: return self.engine|    if self.epochs is None: return self.engine.replace(tracker="none")|tests/test_cli.py -k puzzles_trains_tiny
ablation-seeds|reasoning_nb/halting_ablation.py|range(settings.engine.seed, settings.engine.seed + settings.seeds)|range(settings.seeds)|tests/test_cli.py -k halting_ablation_tiny
ablation-ci|reasoning_nb/halting_ablation.py|t * float(x.std(ddof=1)) / np.sqrt(n)|float(x.std(ddof=1)) / np.sqrt(n)|tests/test_cli.py -k halting_ablation_tiny
EOF
)

printf '%-18s %-40s %s\n' mutant tests result
caught=0; total=0
while IFS='|' read -r name file from to tests; do
  [ -z "$name" ] && continue
  if [ $# -gt 0 ] && [[ ! " $* " =~ " $name " ]]; then continue; fi
  total=$((total + 1))
  rm -rf "$work/repo"; mkdir -p "$work/repo"
  git ls-files -z | xargs -0 -I{} cp --parents {} "$work/repo/"
  if ! "$PY" - "$work/repo/$file" "$from" "$to" <<'PYEOF'
import sys
path, old, new = sys.argv[1:]
s = open(path).read()
if s.count(old) != 1: sys.exit(f"mutation text found {s.count(old)} times in {path}")
open(path, "w").write(s.replace(old, new))
PYEOF
  then printf '%-18s %-40s %s\n' "$name" "$tests" "NOT APPLIED (the code changed: update tools/mutants.sh)"; continue; fi
  read -r -a targs <<< "${tests%% -k *}"
  kexpr=""; [[ "$tests" == *" -k "* ]] && kexpr="${tests#* -k }"
  (cd "$work/repo" && OMP_NUM_THREADS=1 PYTHONPATH="$work/repo" timeout 900 "$PY" -m pytest -q -x -p no:cacheprovider \
      "${targs[@]}" ${kexpr:+-k "$kexpr"} > "$work/$name.log" 2>&1); rc=$?
  if [ $rc -eq 1 ]; then result="caught"; caught=$((caught + 1))
  elif [ $rc -eq 0 ]; then result="MISSED (tests passed on the mutant)"
  else result="error (pytest exit $rc; see the log)"; fi
  printf '%-18s %-40s %s\n' "$name" "$tests" "$result"
done <<< "$MUTANTS"
echo "$caught of $total mutants caught"
[ "$caught" -eq "$total" ]
