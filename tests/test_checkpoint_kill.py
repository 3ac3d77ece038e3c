"A SIGKILL at any moment of a checkpoint write leaves a loadable, consistent checkpoint."
import random, signal, subprocess, sys, textwrap, time
import torch
from reasoning_nb.checkpoint import load_checkpoint

WRITER = textwrap.dedent("""
    import sys, torch
    from reasoning_nb.checkpoint import save_checkpoint
    stem, start = sys.argv[1], int(sys.argv[2])
    m = torch.nn.Linear(1024, 1024)           # 4 MB of weights: writes take a few ms
    step = start
    while True:
        step += 1
        with torch.no_grad(): m.weight.fill_(step)
        save_checkpoint(stem, model=m, config={"width": 1024}, state={"step": step, "opt": torch.full((1024, 256), float(step))})
        print(step, flush=True)
""")

def test_kill_during_writes_leaves_a_loadable_checkpoint(tmp_path):
    stem = tmp_path / "ck" / "last"
    rng = random.Random(0)
    last_step = 0
    for trial in range(6):
        p = subprocess.Popen([sys.executable, "-c", WRITER, str(stem), str(last_step)], stdout=subprocess.PIPE, text=True)
        first = int(p.stdout.readline())        # this writer has completed one save (however loaded the machine is)
        assert first == last_step + 1
        time.sleep(rng.random() * 0.5)          # then a kill at a random moment of the saves that follow
        p.send_signal(signal.SIGKILL); p.wait()
        m = torch.nn.Linear(1024, 1024)
        st = load_checkpoint(stem, model=m, config={"width": 1024})
        assert torch.all(m.weight == st["step"]) and torch.all(st["opt"] == st["step"]), "weights and state from different saves"
        assert st["step"] >= first
        last_step = st["step"]
    assert last_step >= 6
    # only the last interrupted write can leave temporaries (each save removes older ones); they are never read
    assert len([f for f in stem.parent.iterdir() if ".tmp-" in f.name]) <= 4

def test_crash_between_the_two_renames_loads_the_previous_pair(tmp_path, monkeypatch):
    "Deterministic fault injection: the new weights are in place, the new state is not; load must not mix them"
    import os
    from reasoning_nb import checkpoint
    stem, m = tmp_path / "last", torch.nn.Linear(4, 4)
    for step in (1, 2):
        with torch.no_grad(): m.weight.fill_(step)
        if step == 2:
            real = os.replace
            def crash_after_weights(src, dst):
                real(src, dst)
                if str(dst).endswith("last.safetensors"): raise OSError("power cut")
            monkeypatch.setattr(checkpoint.os, "replace", crash_after_weights)
            try: checkpoint.save_checkpoint(stem, model=m, config={}, state={"step": step})
            except OSError: pass
            monkeypatch.setattr(checkpoint.os, "replace", real)
        else: checkpoint.save_checkpoint(stem, model=m, config={}, state={"step": step})
    assert (tmp_path / "last.safetensors").exists() and (tmp_path / "last.pt").exists()
    fresh = torch.nn.Linear(4, 4)
    st = load_checkpoint(stem, model=fresh, config={})
    assert st["step"] == 1 and torch.all(fresh.weight == 1), "weights and state from different saves"
