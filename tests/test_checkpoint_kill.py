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
        while last_step == 0 and not (stem.parent / "last.pt").exists(): time.sleep(0.01)
        time.sleep(0.2 + rng.random() * 0.5)
        p.send_signal(signal.SIGKILL); p.wait()
        m = torch.nn.Linear(1024, 1024)
        st = load_checkpoint(stem, model=m, config={"width": 1024})
        assert torch.all(m.weight == st["step"]) and torch.all(st["opt"] == st["step"]), "weights and state from different saves"
        assert st["step"] >= last_step
        last_step = st["step"]
    assert last_step > 6
    # only the last interrupted write can leave temporaries (each save removes older ones); they are never read
    assert len([f for f in stem.parent.iterdir() if ".tmp-" in f.name]) <= 4
