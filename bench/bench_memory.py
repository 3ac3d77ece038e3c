"""Memory bank benchmark: recall@k of the sparse (LSH) bank against brute force, and read time of the dense and sparse
banks, at 4K, 16K, 64K and 256K slots.

    python bench/bench_memory.py                                   # CPU, prints the table
    python bench/bench_memory.py --device cuda --out papers/figures/memory_bank_gpu.json

Keys are clustered, as the latents of puzzles of one family are (n_slots / 64 clusters, unit-variance centres, noise
0.3 per coordinate); each query is a stored key plus the same noise, so a query has a "family": the cluster of the
key it came from. Reported per size: recall@10 (the 10 best slots by q . key among the hash candidates vs among all
slots, over --recall_queries queries), the fraction of reads whose top slot is the same under both reads and whose top
slot is from the query's cluster, the mean number of candidates, and the time of one read of `--batch` queries (median of `--repeats`),
plus the time to rebuild the hash index after a write. The hash width grows with the bank: bits = log2(slots / 8).
"""
import argparse, json, math, statistics, time
from pathlib import Path
import torch
from reasoning_nb.models.memory import MemoryBank, MemoryConfig, lsh_codes, lsh_index, bank_lookup, recall_at_k, bank_candidates


def sync(device):
    if device.type == "cuda": torch.cuda.synchronize()


def timed(fn, device, repeats):
    "Median seconds of `fn()` over `repeats` runs, after one warm-up"
    fn(); sync(device); ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); sync(device); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def filled_bank(n, index, *, key_dim, n_heads, tables, bits, candidates, keys, device):
    cfg = MemoryConfig(memory_slots=n, key_dim=key_dim, value_dim=key_dim, memory_heads=n_heads, index=index,
                       lsh_tables=tables, lsh_bits=bits, lsh_candidates=candidates)
    torch.manual_seed(1)
    b = MemoryBank(cfg, key_dim).to(device).eval()
    with torch.no_grad():
        b.keys.copy_(keys); b.values.copy_(torch.randn(n, key_dim, device=device)); b.filled.fill_(True)
        if index == "lsh": b.codes.copy_(lsh_codes(keys, b.planes))
    return b


def bench_size(n, a, device):
    g = torch.Generator().manual_seed(n)
    n_clusters = max(1, n // 64)
    centres = torch.randn(n_clusters, a.key_dim, generator=g)
    family = torch.randint(0, n_clusters, (n,), generator=g)
    keys = (centres[family] + 0.3 * torch.randn(n, a.key_dim, generator=g)).to(device)
    src = torch.randint(0, n, (a.recall_queries,), generator=g)
    q_all = (keys[src].cpu() + 0.3 * torch.randn(a.recall_queries, a.key_dim, generator=g)).to(device)
    q = q_all[:a.batch]                                                            # the timed read
    bits = max(4, round(math.log2(n / 8)))
    kw = dict(key_dim=a.key_dim, n_heads=a.heads, tables=a.tables, bits=bits, candidates=a.candidates, keys=keys, device=device)
    dense, sparse = filled_bank(n, "dense", **kw), filled_bank(n, "lsh", **kw)
    with torch.no_grad():
        sparse._index = lsh_index(sparse.codes, sparse.filled)
        t_index = timed(lambda: lsh_index(sparse.codes, sparse.filled), device, a.repeats)
        t_dense = timed(lambda: bank_lookup(dense, q), device, a.repeats)
        t_sparse = timed(lambda: bank_lookup(sparse, q), device, a.repeats)
        rec = recall_at_k(sparse, q_all, a.k)
        n_cand = (bank_candidates(sparse, q_all) >= 0).sum(1).float().mean().item()
        top_d = (q_all @ dense.keys.T).argmax(-1)                                # the dense read's top slot: the largest q . key
        top_s = bank_lookup(sparse, q_all)[1]
        fam = family.to(device)[src.to(device)]
    return {"slots": n, "lsh_bits": bits, "lsh_tables": a.tables, "candidates_per_table": a.candidates,
            "mean_candidates": n_cand, f"recall@{a.k}": rec, "top_slot_agreement": (top_d == top_s).float().mean().item(),
            "dense_family_hit": (family.to(device)[top_d] == fam).float().mean().item(),
            "sparse_family_hit": (family.to(device)[top_s.clamp_min(0)] == fam).float().mean().item(),
            "dense_read_ms": 1e3 * t_dense, "sparse_read_ms": 1e3 * t_sparse, "speedup": t_dense / t_sparse,
            "index_rebuild_ms": 1e3 * t_index}


def plot_rows(rows, path, k=10):
    "Read time (log-log) and recall@k against the bank size -> PNG"
    import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    n = [r["slots"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.8))
    a.loglog(n, [r["dense_read_ms"] for r in rows], "o-", label="dense (every slot)")
    a.loglog(n, [r["sparse_read_ms"] for r in rows], "s-", label="LSH candidates")
    a.set_xlabel("slots"); a.set_ylabel("ms per read"); a.grid(alpha=0.3, which="both"); a.legend()
    b.semilogx(n, [r[f"recall@{k}"] for r in rows], "o-", label=f"recall@{k}")
    b.semilogx(n, [r["top_slot_agreement"] for r in rows], "s-", label="same top slot")
    b.set_xlabel("slots"); b.set_ylim(0, 1.02); b.grid(alpha=0.3); b.legend()
    fig.tight_layout(); fig.savefig(path, dpi=100); plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="4096,16384,65536,262144", help="bank sizes (slots), comma-separated")
    p.add_argument("--batch", type=int, default=16, help="queries per timed read")
    p.add_argument("--recall_queries", type=int, default=256, help="queries for recall and top-slot agreement")
    p.add_argument("--key-dim", dest="key_dim", type=int, default=64)
    p.add_argument("--heads", type=int, default=8)
    p.add_argument("--tables", type=int, default=16)
    p.add_argument("--candidates", type=int, default=32, help="slots per table and query, at most")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default=None, help="JSON file for the rows")
    a = p.parse_args(argv)
    device = torch.device(a.device)
    rows = []
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}, {a.batch} queries per read, "
          f"key width {a.key_dim}, {a.heads} heads")
    print(f"{'slots':>8} {'bits':>4} {'cand':>6} {'recall@' + str(a.k):>9} {'top=':>6} {'hit d/s':>11} "
          f"{'dense ms':>9} {'lsh ms':>8} {'speedup':>8} {'index ms':>9}")
    for n in (int(s) for s in a.sizes.split(",")):
        r = bench_size(n, a, device); rows.append(r)
        print(f"{n:>8} {r['lsh_bits']:>4} {r['mean_candidates']:>6.0f} {r[f'recall@{a.k}']:>9.3f} {r['top_slot_agreement']:>6.3f} "
              f"{r['dense_family_hit']:>5.3f}/{r['sparse_family_hit']:<5.3f} {r['dense_read_ms']:>9.2f} {r['sparse_read_ms']:>8.2f} "
              f"{r['speedup']:>8.1f} {r['index_rebuild_ms']:>9.1f}", flush=True)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps({"device": str(device), "torch": torch.__version__, "threads": torch.get_num_threads(),
                                           "args": vars(a), "rows": rows}, indent=1))
        plot_rows(rows, Path(a.out).with_suffix(".png"), a.k)
    return rows


if __name__ == "__main__":
    main()
