#!/usr/bin/env bash
# Mutation check: put one known bug at a time into a temporary copy of the package, run the tests that guard
# against it, and print whether they caught it (the tests must FAIL on the mutant). Nothing in the checkout changes.
#   bash tools/mutants.sh            # every mutant (about 10 minutes on 2 cores)
#   bash tools/mutants.sh rng-restore ckpt-id-check
# Mutants guarded by the FLA tier (tests/fla_tier) run it as tools/test_fla.sh does: TRITON_INTERPRET=1 and the packages of
# RNB_FLA_SITE (default .fla-site, from make fla-setup) on PYTHONPATH.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-$PWD/.venv/bin/python}
FLA_SITE=${RNB_FLA_SITE:-.fla-site}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# name | file | text to replace | replacement | pytest arguments
MUTANTS=$(cat <<'EOF'
rng-restore|reasoning_nb/engine.py|set_rng_state(st["rng"][run.d.rank]); |pass; |tests/test_resume.py -k recursive or maze
optimizer-restore|reasoning_nb/engine.py|for o, s in zip(run.opts, st["optimizers"]): o.load_state_dict(s)|pass|tests/test_resume.py -k baseline
carry-restore|reasoning_nb/engine.py|run.task.load_state_dict(st["task"][run.d.rank])|None|tests/test_resume.py -k recursive
ema-restore|reasoning_nb/engine.py|if run.ema: run.ema.load_state_dict(st["ema"])|pass|tests/test_resume.py -k maze
ckpt-id-check|reasoning_nb/checkpoint.py|if meta.get("ckpt_id") != state.get("ckpt_id"):|if False:|tests/test_checkpoint_kill.py
engine-resume-setting-ignored|reasoning_nb/engine.py|cfg.resume if resume is None else resume|bool(resume)|tests/test_train_puzzles.py -k resume_refuses
gdn-norm-fp32|reasoning_nb/models/gdn.py|ct = torch.promote_types(x.dtype, torch.float32)|ct = torch.float32|tests/test_gdn_dtypes.py -k float64_layer
steering-window-ignored|reasoning_nb/models/steering.py|if self.cfg.gru_input == "stream": return self.gru(z, h0)|if True: return self.gru(z, h0)|tests/test_steering.py -k window_gru
steering-dynamic-static|reasoning_nb/models/steering.py|(B, T, d), r = x.shape, self.cfg.rank|(B, T, d), r = x.shape, self.cfg.rank; hs = hs.mean(1, keepdim=True).expand_as(hs)|tests/test_steering.py -k dynamic_factors
steering-val-tda-frozen|reasoning_nb/train_steering.py|"val_h0_entropy": h0,|"val_h0_entropy": self.h0_unsteered,|tests/test_steering.py -k tda_check
batch-right-pad|reasoning_nb/frozen_lm.py|ids = torch.tensor([[pad_id] * (P - len(s)) + list(s) for s in seqs])|ids = torch.tensor([list(s) + [pad_id] * (P - len(s)) for s in seqs])|tests/test_steering.py -k batched_generation
batch-no-mask|reasoning_nb/frozen_lm.py|mask = torch.tensor([[0] * (P - len(s)) + [1] * len(s) for s in seqs])|mask = torch.ones(len(seqs), P, dtype=torch.long)|tests/test_steering.py -k batched_generation
batch-no-stop|reasoning_nb/frozen_lm.py|a = until_eos(row, tok.eos_token_id)|a = row|tests/test_steering.py -k batched_generation
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
lsh-table-salt|reasoning_nb/models/memory.py|mult = torch.tensor([pow(48271, l + 2, 2147483647) for l in range(L)], device=codes.device)|mult = 2654435761 + 2 * torch.arange(L, device=codes.device)|tests/test_memory.py -k different_orders
gdn-chunk-dg|reasoning_nb/ops/gdn.py|S = torch.baddbmm(S * dn, Kn, Un)|S = torch.baddbmm(S * dn.detach(), Kn, Un)|tests/test_gdn_ops.py
gdn-chunk-read|reasoning_nb/ops/gdn.py|o.append(torch.baddbmm(Qn @ S, An, Un))|o.append(torch.baddbmm(Qn @ S, An, Un, beta=1.001))|tests/test_gdn_ops.py
gdn-chunk-select|reasoning_nb/ops/gdn.py|zip(*(x.unbind(0) for x in (W, U, Qg, Kd, Aqk, decay)))|zip(*([x[i] for i in range(x.shape[0])] for x in (W, U, Qg, Kd, Aqk, decay)))|tests/test_gdn_ops.py -k unbind
fla-names|reasoning_nb/models/gdn.py|self.a_proj, self.b_proj = nn.Linear(d, H, bias=False), nn.Linear(d, H, bias=False)|self.a_proj, self.b_proj = nn.Linear(d, H, bias=False), nn.Linear(d, H, bias=False); self.gate_proj = self.g_proj|tests/test_gdn_layer.py
fla-conv-swap|reasoning_nb/models/gdn.py|q, k, v = self.conv("q", q, state), self.conv("k", k, state), self.conv("v", v, state)|q, k, v = self.conv("k", q, state), self.conv("q", k, state), self.conv("v", v, state)|tests/fla_tier/test_fla_layer.py
fla-interpreter-rule|reasoning_nb/ops/gdn.py|return kind == "cuda" or (kind == "cpu" and triton_interpreter_on())|return kind == "cuda"|tests/fla_tier/test_fla_op.py -k auto or mixed
compile-graph-break|reasoning_nb/models/hybrid.py|xf = x.float()|xf = x.float(); torch._dynamo.graph_break()|tests/test_compile.py -k breaks
ema-eval|reasoning_nb/engine.py|    with run.ema.swapped() if run.ema else nullcontext():|    with nullcontext():|tests/test_engine.py
ddp-grad-scale|reasoning_nb/engine.py|(run.scaler.scale(loss) if run.scaler else loss).backward()|(run.scaler.scale(loss) if run.scaler else loss * run.d.world_size).backward()|tests/test_ddp.py -k match_one
divergence-check|reasoning_nb/engine.py|if due(cfg.eval_interval) or due(cfg.ckpt_interval): check_finite(run)|if False: check_finite(run)|tests/test_reliability.py -k divergence
finished-results|reasoning_nb/train.py|if not s["trained"] and path.exists(): return|if False: return|tests/test_reliability.py -k finished
tracker-mirror|reasoning_nb/engine.py|mirror=tracker and tracker.log|mirror=None|tests/test_tracker.py -k tensorboard
resume-relative|reasoning_nb/engine.py|    if not stem.is_absolute() and not stem.parent.exists(): stem = run.out / stem|    pass|tests/test_resume.py -k relative
user-umask|reasoning_nb/checkpoint.py|    os.chmod(path, 0o666 & ~_umask())|    pass|tests/test_reliability.py -k umask
registry-line|reasoning_nb/puzzles/base.py|check(kind.name == name, "dataset", f"{name!r} is registered as|check(True, "dataset", f"{name!r} is registered as|tests/test_puzzle_registry.py -k resolve or another_kind
kind-score|reasoning_nb/train_puzzles.py|self.kind.score(self.test_set, self.ev_rows, cat["preds"]|PuzzleKind.score(self.kind, self.test_set, self.ev_rows, cat["preds"]|tests/test_puzzle_registry.py -k trains
kind-show|reasoning_nb/train_puzzles.py|for ax, i, p in zip(axes, rows, preds): kind.show(ds, i, p, ax)|for ax, i, p in zip(axes, rows, preds): puzzle_kind("sudoku").show(ds, i, p, ax)|tests/test_puzzle_registry.py -k trains
kind-defaults|reasoning_nb/train_puzzles.py|    if not own: return p|    return p|tests/test_puzzle_registry.py -k trains
notebook-fail-unreported|tools/build_site.py|failed.append(name); sys.stderr.write|sys.stderr.write|tests/test_site.py -k failing_notebook
arc-end-corner|reasoning_nb/puzzles/arc.py|canvas[r + h:r + h + 1, c:c + w] = EOS|canvas[r + h:r + h + 1, c:c + w + 1] = EOS|tests/test_arc.py -k end_markers
sign-sgd-batch-ids|reasoning_nb/train_puzzles.py|        ids = ids.unique()|        ids = torch.cat([p.grad.reshape(len(p), -1).ne(0).any(1).nonzero().squeeze(1) for g in self.param_groups for p in g["params"]]).unique()|tests/test_train_puzzles.py -k sign_sgd
table-clipped|reasoning_nb/engine.py|for g in o.param_groups if g.get("clip", True) for p in g["params"]|for g in o.param_groups for p in g["params"]|tests/test_train_puzzles.py -k clipped
table-clip-flag|reasoning_nb/train_puzzles.py|"lr": self.train_cfg.puzzle_emb_lr, "clip": False,|"lr": self.train_cfg.puzzle_emb_lr, "clip": True,|tests/test_train_puzzles.py -k clipped
pipeline-memory-off|reasoning_nb/train_puzzles.py|memory=self.memory if self.use_memory else None)|memory=None)|tests/test_presets.py -k each_switch
puzzle-q-head|reasoning_nb/models/puzzle.py|make_q_head(cfg.act.q_head, D)|make_q_head("mlp", D)|tests/test_presets.py -k each_switch
sudoku-min-clues|reasoning_nb/puzzles/sudoku_data.py|(clues < MIN_CLUES))|(clues < 0))|tests/test_sudoku.py -k bad_rows
cli-out-file|reasoning_nb/puzzles/base.py|if out.exists() and not out.is_dir(): raise DataError(|if False: raise DataError(|tests/test_sudoku.py -k one_line
ablation-arms|reasoning_nb/halting_ablation.py|check(len(self.arm_names) >= 1, "arms",|check(True, "arms",|tests/test_train_puzzles.py -k ablation
compile-empty-carry-check|reasoning_nb/models/act.py|if carry.y.shape[1] and not bool(h.all()): raise ValueError(|if not bool(h.all()): raise ValueError(|tests/test_compile_puzzle.py -k empty_carry
cli-puzzles|reasoning_nb/cli.py|"puzzles": ("reasoning_nb.train_puzzles:puzzles_cli",|"puzzles": ("reasoning_nb.train:train_exp8",|tests/test_cli.py -k puzzles_trains_tiny
puzzles-tracker|reasoning_nb/train_puzzles.py|    if self.epochs is None: return self.engine|    if self.epochs is None: return self.engine.replace(tracker="none")|tests/test_cli.py -k puzzles_trains_tiny
ablation-seeds|reasoning_nb/halting_ablation.py|range(settings.engine.seed, settings.engine.seed + settings.seeds)|range(settings.seeds)|tests/test_cli.py -k halting_ablation_tiny
ablation-ci|reasoning_nb/halting_ablation.py|t * float(x.std(ddof=1)) / np.sqrt(n)|float(x.std(ddof=1)) / np.sqrt(n)|tests/test_cli.py -k halting_ablation_tiny
lm-dtype|reasoning_nb/frozen_lm.py|model = AutoModelForCausalLM.from_pretrained(src, dtype=dtype, |model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32, |tests/test_frozen_lm.py -k bf16_load
device-map|reasoning_nb/frozen_lm.py|**({"device_map": device_map} if device_map else {})|**{}|tests/test_frozen_lm.py -k device_map
checkpointing|reasoning_nb/frozen_lm.py|    if checkpointing: checkpoint_layers(model)|    pass|tests/test_frozen_lm.py -k checkpointing
path-check|reasoning_nb/paths.py|    if not p.exists(): raise NoSuchPath(f"{what} {name}: no such file or folder")|    pass|tests/test_frozen_lm.py -k path_rule or every_loader
path-rule|reasoning_nb/paths.py|    if "/" in name and p.suffix.lower() in FILE_SUFFIXES: return True|    pass|tests/test_frozen_lm.py -k path_rule or every_loader
torn-line|reasoning_nb/metrics.py|        with open(path, "r+b") as f: f.truncate(keep)|        pass|tests/test_soft_prompt.py -k resume
utf8-jsonl|reasoning_nb/metrics.py|try: line = raw.decode("utf-8")|try: line = raw.decode("latin-1")|tests/test_steering.py -k problem_files
tda-layer-name|reasoning_nb/train_steering.py|resolve_layer(n, self.tda_layer, name="tda_layer")|resolve_layer(n, self.tda_layer, name="intervention_layer")|tests/test_steering.py -k settings_and_layers
warmup-fraction|reasoning_nb/train_steering.py|warmup = max(1, math.floor(self.warmup_fraction * steps + 1e-9))|warmup = max(1, steps // 10)|tests/test_steering.py -k settings_and_layers
sp-adamw|reasoning_nb/models/soft_prompt.py|betas=(optim.beta1, optim.beta2)|betas=(0.9, 0.9)|tests/test_soft_prompt.py -k adamw
run-key-dtype|reasoning_nb/phase1a.py|what = [self.lm.model, self.lm.lm_dtype, stage,|what = [self.lm.model, stage,|tests/test_soft_prompt.py -k resume
models-import|reasoning_nb/models/soft_prompt.py|from ..pairs import QAPair|from ..pairs import QAPair; from ..puzzles.sudoku import generate_sudoku|tests/test_frozen_lm.py -k import_no
mcnemar-one-sided|reasoning_nb/stats.py|binomtest(only_a, only_a + only_b, 0.5).pvalue|binomtest(only_a, only_a + only_b, 0.5, alternative="less").pvalue|tests/test_stats.py -k mcnemar
wilson-width|reasoning_nb/stats.py|z * z / (4 * n * n)|z * z / (4 * n)|tests/test_stats.py -k wilson
phase1a-tracker|reasoning_nb/phase1a.py|    for K, s in sorted(joint.items()): tracker.log(|    for K, s in sorted({}.items()): tracker.log(|tests/test_soft_prompt.py -k mirrored
sp-order-ignored|reasoning_nb/models/soft_prompt.py|torch.cat([m, c] if order == "mode_first" else [c, m], -2)|torch.cat([c, m], -2)|tests/test_soft_prompt.py -k prompt_order
sp-progressive-retire|reasoning_nb/models/soft_prompt.py|t == steps, ready, hit & ready if cfg.stop_exact else None)|t == steps, None, hit & ready if cfg.stop_exact else None)|tests/test_soft_prompt.py -k progressive
sp-grow-unchecked|reasoning_nb/models/soft_prompt.py|    r = idx[hit]|    r = idx|tests/test_soft_prompt.py -k progressive
sp-progressive-prefix|reasoning_nb/models/soft_prompt.py|n = st.rows.mask[idx].sum(1) if full else st.visible[idx]|n = st.rows.mask[idx].sum(1)|tests/test_soft_prompt.py -k progressive
auroc-unpaired|reasoning_nb/stats.py|roc_auc_score(y[i], b[i]) - roc_auc_score(y[i], a[i])|roc_auc_score(y[i], b[i]) - roc_auc_score(y[(i + 1) % len(y)], a[(i + 1) % len(y)])|tests/test_stats.py -k paired
arc-flip-v|reasoning_nb/puzzles/arc_dsl.py|"v": g[::-1], "d"|"v": g[:, ::-1], "d"|tests/test_arc_dsl.py -k dihedral
arc-coarse-equivalence|reasoning_nb/puzzles/arc_search.py|if t == "grid": return (v.shape, v.tobytes())|if t == "grid": return (v.shape,)|tests/test_arc_dsl.py -k pruning or composition
arc-colour-map-unchecked|reasoning_nb/puzzles/arc_learn.py|if lut.setdefault(a, b) != b: return None|lut[a] = b|tests/test_arc_dsl.py -k learned
arc-solved-if-consistent|reasoning_nb/puzzles/arc_search.py|solved=bool(picks) and all(right)|solved=bool(picks)|tests/test_arc_dsl.py -k pass_at_2
arc-pass-at-1|reasoning_nb/puzzles/arc_search.py|for p in picks) for i, (_, y) in enumerate(task.test)]|for p in picks[:1]) for i, (_, y) in enumerate(task.test)]|tests/test_arc_dsl.py -k pass_at_2
arc-depth-of-consistent|reasoning_nb/puzzles/arc_search.py|count("depth", [r for r in rows if r["solved"]])|count("depth")|tests/test_arc_dsl.py -k pass_at_2
arc-logic-or|reasoning_nb/puzzles/arc_dsl.py|"or": np.logical_or,|"or": np.logical_and,|tests/test_arc_dsl.py -k recheck
ttt-no-copy|reasoning_nb/models/ttt.py|self.model = copy.deepcopy(self.source)|self.model = self.source|tests/test_ttt.py -k bit_identical
ttt-rng-leak|reasoning_nb/models/ttt.py|finally: set_rng_state(rng)|finally: pass|tests/test_ttt.py -k bit_identical
ttt-loo-leak|reasoning_nb/models/ttt.py|if exclude is not None: keep &= demos.pair_index != exclude|if exclude is not None: keep &= demos.pair_index >= 0|tests/test_ttt.py -k leave_one_out
arc-combine-model-first|reasoning_nb/puzzles/arc_combine.py|return [fill(list(p), list(m)) for p, m in zip(program, model)], "dsl"|return [fill(list(m), list(p)) for p, m in zip(program, model)], "dsl"|tests/test_arc_combine.py -k comes_before
arc-combine-unverified|reasoning_nb/puzzles/arc_combine.py|return [p for p in programs if all(np.array_equal(run_program(p, x), y) for x, y in task.train)]|return list(programs)|tests/test_arc_combine.py -k comes_before
decode-conv-stale|reasoning_nb/models/gdn.py|state[name] = full[:, full.shape[1] - prev.shape[1]:]|state[name] = prev|tests/test_generate.py -k hybrid_cached
decode-state-lost|reasoning_nb/models/gdn.py|if state is not None: state["S"] = S|pass|tests/test_generate.py -k hybrid_cached
decode-kv-offset|reasoning_nb/models/hybrid.py|t0 = cache["k"].shape[2] if cache else 0|t0 = cache["k"].shape[2] + 1 if cache else 0|tests/test_generate.py -k hybrid_cached
decode-prefill-mask|reasoning_nb/models/hybrid.py|.tril(t0) if self.causal|.tril(t0 + 1) if self.causal|tests/test_generate.py -k prefill_in_pieces
decode-q-positions|reasoning_nb/models/generate.py|return tuple(q[:, -y.shape[1]:] for q|return tuple(q[:, :y.shape[1]] for q|tests/test_generate.py -k recursive_cached
hf-rope-tables|reasoning_nb/hf.py|with torch.no_grad(): module.cos.copy_(cos); module.sin.copy_(sin)|pass|tests/test_hf.py -k baseline
gpu-check-steering|bench/gpu_check.py|    if "steering" not in skip: run_item(results, "steering", steering_overhead, a, dev)|    pass|tests/test_gpu_check.py -k every_section
flops-attn-scores|reasoning_nb/models/puzzle.py|2 * T * 4 * D * D + 4 * T * T * D|2 * T * 4 * D * D + 2 * T * T * D|tests/test_train_puzzles.py -k flops
flops-backward|reasoning_nb/models/puzzle.py|bwd = r.net_calls * net + head, 2 * (r.grad_calls * net + head)|bwd = r.net_calls * net + head, 2 * (r.net_calls * net + head)|tests/test_train_puzzles.py -k flops
flops-lookahead|reasoning_nb/models/puzzle.py|lookahead = cfg.effective_act.halting == "dqn" or cfg.effective_act.q_continue|lookahead = False|tests/test_train_puzzles.py -k flops
research-drop-committed|bench/trm_cpu_research.py|rows = {(r["name"], r["seed"]): r for r in committed_runs()}|rows = {}|tests/test_bench_research.py
lm-hub-kernels|reasoning_nb/frozen_lm.py|dtype=dtype, use_kernels=False,|dtype=dtype,|tests/test_frozen_lm.py -k device_map
summary-detached|reasoning_nb/models/act.py|"summary": s.detach(),|"summary": s,|tests/test_compile_puzzle.py -k loss_inputs
puzzle-full-carry|reasoning_nb/models/puzzle.py|return Carry(y=y.contiguous(), z=z.contiguous(), steps=c.steps, halted=c.halted, data=c.data)|return c|tests/test_compile_puzzle.py -k compiles_once
grid-verify-sudoku|reasoning_nb/puzzles/grid_text.py|return verdict_of(sudoku_solution_error(np.asarray(question).ravel(), answer.grid.ravel()), "Sudoku")|return Verdict(True)|tests/test_hybrid.py -k wrong_sudoku
grid-verify-maze|reasoning_nb/puzzles/grid_text.py|return verdict_of(maze_solution_error(np.asarray(question).ravel(), answer.grid.ravel()), "path")|return Verdict(True)|tests/test_hybrid.py -k broken_maze
grid-verify-arc|reasoning_nb/puzzles/grid_text.py|if e["shape"] is not None and g.shape != tuple(e["shape"]):|if False:|tests/test_hybrid.py -k demonstrations
grid-parse-rows|reasoning_nb/puzzles/grid_text.py|if fmt.rows is not None and len(block) != fmt.rows:|if False:|tests/test_hybrid.py -k malformed
planner-feedback|reasoning_nb/puzzles/grid_text.py|ask = feedback_prompt(prompt, feedback) if cfg.use_feedback else prompt|ask = prompt|tests/test_hybrid.py -k feedback
planner-stop|reasoning_nb/puzzles/grid_text.py|if v.ok: res.passed = True; break|if v.ok: res.passed = True|tests/test_hybrid.py -k first_pass
adapter-zero-init|reasoning_nb/models/lm_trm.py|nn.init.zeros_(self.up.weight); nn.init.zeros_(self.up.bias)|pass|tests/test_hybrid.py -k starts_as_the_trm
trm-unrolled-grad|reasoning_nb/models/lm_trm.py|for _ in range(model.cfg.recursion.H_cycles): y, z = model.core._outer_cycle(x, y, z)|y, z = model.core(x, y, z)|tests/test_hybrid.py -k starts_as_the_trm
hybrid-trm-frozen|reasoning_nb/train_hybrid.py|self.trm, self.adapters = trm.requires_grad_(train_trm), adapters|self.trm, self.adapters = trm, adapters|tests/test_hybrid.py -k frozen_trm
hybrid-trm-never-trained|reasoning_nb/train_hybrid.py|self.trm, self.adapters = trm.requires_grad_(train_trm), adapters|self.trm, self.adapters = trm.requires_grad_(False), adapters|tests/test_hybrid.py -k frozen_trm
engine-ema-returned|reasoning_nb/engine.py|    if run.ema: run.ema.apply()                       # the caller gets the weights that were evaluated|    pass|tests/test_engine.py
sudoku-depth-serial|reasoning_nb/puzzles/sudoku.py|        for i, d in single.items(): g[i] = d|        i, d = next(iter(single.items())); g[i] = d|tests/test_sudoku.py -k deduction_depth
hybrid-prefix|reasoning_nb/train_hybrid.py|prompt = torch.cat([net.adapters.to_text([y, z]), E|prompt = torch.cat([net.adapters.to_text([y, z]).detach(), E|tests/test_hybrid.py -k frozen_trm
c2f-zero-init|reasoning_nb/models/coarse_fine.py|nn.init.zeros_(self.proj.weight)|nn.init.normal_(self.proj.weight, std=0.1)|tests/test_coarse_fine.py -k flat_model
c2f-resample|reasoning_nb/models/coarse_fine.py|t = t.reshape(B, c, f, c, f, *R).transpose(2, 3)|t = t.reshape(B, c, f, c, f, *R)|tests/test_coarse_fine.py -k identity
c2f-flops|reasoning_nb/models/coarse_fine.py| - (len(sides) - 1) * batch_size * q||tests/test_coarse_fine.py -k flops_per_step
c2f-no-coarse-loss|reasoning_nb/train_puzzles.py|loss, m = loss + extra,|loss, m = loss + 0 * extra,|tests/test_coarse_fine.py -k own_loss
baseline-gru-order|bench/steering_baselines_report.py|    return [rows[q] for q in qs]|    return list(rows.values())|tests/test_steering.py -k baseline_report_gru
research-pair-by-order|bench/trm_cpu_research.py|d = np.array([fb[s] - fa[s] for s in seeds])|d = np.array([y - x for x, y in zip(fa.values(), fb.values())])|tests/test_bench_research.py
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
  envs=(OMP_NUM_THREADS=1 PYTHONPATH="$work/repo")
  if [[ "${targs[0]}" == tests/fla_tier* ]]; then
    if [ ! -f "$FLA_SITE/.installed" ]; then
      printf '%-18s %-40s %s\n' "$name" "$tests" "NOT RUN (the FLA tier's packages: make fla-setup)"; continue
    fi
    envs=(OMP_NUM_THREADS=1 TRITON_INTERPRET=1 PYTHONPATH="$(cd "$FLA_SITE" && pwd):$work/repo")
  fi
  (cd "$work/repo" && env "${envs[@]}" timeout 900 "$PY" -m pytest -q -x -p no:cacheprovider \
      "${targs[@]}" ${kexpr:+-k "$kexpr"} > "$work/$name.log" 2>&1); rc=$?
  if [ $rc -eq 1 ]; then result="caught"; caught=$((caught + 1))
  elif [ $rc -eq 0 ]; then result="MISSED (tests passed on the mutant)"
  else result="error (pytest exit $rc; see the log)"; fi
  printf '%-18s %-40s %s\n' "$name" "$tests" "$result"
done <<< "$MUTANTS"
echo "$caught of $total mutants caught"
[ "$caught" -eq "$total" ]
