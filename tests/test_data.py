"Data pipeline: local text/jsonl/parquet sources, HF tokenizer dirs, bad inputs, DDP batch equivalence."
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from reasoning_nb.config import ConfigError
from reasoning_nb.data import (DataConfig, DataError, EOS, check_enough, get_batch, load_lm_data, load_texts,
                               load_tokenizer, val_batches)

SHARED_DATA = Path(__file__).resolve().parents[2]/"shared"/"data"
WORDS = "the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing".split()


def _sentence(i: int, n: int = 12) -> str:
    return " ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(n)) + f" ({i})."


pytestmark = pytest.mark.usefixtures("cache")   # every test caches into its own temp dir (conftest)


def _cfg(dataset, **kw) -> DataConfig:
    return DataConfig(dataset=str(dataset), vocab_size=300, max_chars=None, val_fraction=0.2, **kw)


def _check_lm(data, n_docs: int):
    assert data.train.dtype == np.int32 and data.val.dtype == np.int32
    assert sum(data.meta["n_docs"].values()) == n_docs
    n_eos = int((data.train == data.tokenizer.eos_id).sum() + (data.val == data.tokenizer.eos_id).sum())
    assert n_eos == n_docs                                   # one EOS after every document
    assert max(data.train.max(), data.val.max()) < data.tokenizer.vocab_size


def test_text_dir(tmp_path):
    d = tmp_path/"notes"; d.mkdir()
    for i in range(30): (d/f"note{i:02d}.txt").write_text(_sentence(i) + "\n\n" + _sentence(i + 1))
    data = load_lm_data(_cfg(d))
    _check_lm(data, 30)                                      # a file per document
    assert data.meta["val_split"] == "hash of row index"
    first = data.tokenizer.decode(data.train[:int(np.argmax(data.train == data.tokenizer.eos_id))])
    assert first in {f.read_text() for f in d.iterdir()}   # the first document decodes to a whole file
    again = load_lm_data(_cfg(d))
    assert again.from_cache and again.tokenizer.from_cache and not data.from_cache
    np.testing.assert_array_equal(again.train, data.train)


def test_single_text_file_is_split_by_paragraph(tmp_path):
    f = tmp_path/"book.md"
    f.write_text("\n\n".join(_sentence(i) for i in range(40)))
    ts = load_texts(_cfg(f))
    assert sum(ts.meta["n_docs"].values()) == 40
    assert ts.meta["n_docs"]["val"] > 0


def test_jsonl_with_test_split(tmp_path):
    d = tmp_path/"qa"; d.mkdir()
    rows = [{"question": _sentence(i), "answer": str(i)} for i in range(50)]
    (d/"train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (d/"test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:10]))
    data = load_lm_data(_cfg(d, text_field="question"))
    assert data.meta["val_split"] == "test"
    assert data.meta["n_docs"] == {"train": 50, "val": 10}
    _check_lm(data, 60)


def test_parquet_and_max_chars(tmp_path):
    f = tmp_path/"rows.parquet"
    pd.DataFrame({"text": [_sentence(i) for i in range(200)], "id": range(200)}).to_parquet(f)
    ts = load_texts(_cfg(f).replace(max_chars=2000))
    assert ts.meta["n_chars"] == {"train": 1600, "val": 400}
    full = load_texts(_cfg(f))
    assert full.train[:len(ts.train) - 1] == ts.train[:-1]  # a cap takes a prefix of each split
    assert not set(full.train) & set(full.val)


def test_hf_tokenizer_dir(tmp_path):
    f = tmp_path/"rows.jsonl"
    f.write_text("".join(json.dumps({"text": _sentence(i, 400)}) + "\n" for i in range(40)))
    bpe = load_lm_data(_cfg(f))
    hf_dir = bpe.tokenizer.save_pretrained(tmp_path/"tok")
    hf = load_lm_data(_cfg(f, tokenizer=str(hf_dir)))
    assert hf.tokenizer.is_hf and hf.tokenizer.name == str(hf_dir)
    assert (hf.tokenizer.vocab_size, hf.tokenizer.eos_id) == (bpe.tokenizer.vocab_size, bpe.tokenizer.eos_id)
    np.testing.assert_array_equal(hf.train, bpe.train)      # same tokenizer, same ids
    assert hf.tokenizer.decode([hf.tokenizer.eos_id]) == EOS


def test_hf_tokenizer_without_eos(tmp_path):
    from transformers import PreTrainedTokenizerFast
    tok = load_tokenizer(DataConfig(vocab_size=300), [_sentence(i) for i in range(20)])
    PreTrainedTokenizerFast(tokenizer_object=tok.tok).save_pretrained(tmp_path/"no_eos")
    with pytest.raises(DataError, match="has no eos_token"):
        load_tokenizer(DataConfig(tokenizer=str(tmp_path/"no_eos")))
    with pytest.raises(DataError, match="does not exist"):
        load_tokenizer(DataConfig(tokenizer=str(tmp_path/"missing")))


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_texts(_cfg(tmp_path/"nope.jsonl"))


def test_corrupt_jsonl_names_file_and_line(tmp_path):
    f = tmp_path/"broken.jsonl"
    f.write_text('{"text": "ok"}\n{"text": "ok"}\n{"text": not json}\n')
    with pytest.raises(DataError, match=r"broken\.jsonl:3: invalid JSON"):
        load_texts(_cfg(f))


def test_corrupt_parquet_and_bad_utf8(tmp_path):
    (tmp_path/"x.parquet").write_bytes(b"PAR1 but not really")
    with pytest.raises(DataError, match=r"x\.parquet: not a readable parquet file"):
        load_texts(_cfg(tmp_path/"x.parquet"))
    (tmp_path/"latin.txt").write_bytes(b"fine line\nna\xefve\n")
    with pytest.raises(DataError, match=r"latin\.txt:2: invalid UTF-8"):
        load_texts(_cfg(tmp_path/"latin.txt"))


def test_missing_text_field(tmp_path):
    f = tmp_path/"qa.jsonl"
    f.write_text("".join(json.dumps({"question": "q", "answer": "a"}) + "\n" for _ in range(5)))
    with pytest.raises(DataError, match=r"text_field 'body' not found in split 'train'; columns: \['answer', 'question'\]"):
        load_texts(_cfg(f, text_field="body"))


def test_empty_dataset(tmp_path):
    f = tmp_path/"blank.jsonl"
    f.write_text("".join(json.dumps({"text": t}) + "\n" for t in ["", " ", "\n", None]))
    with pytest.raises(DataError, match=r"dataset '.*blank\.jsonl' has no text"):
        load_texts(_cfg(f))


def test_ddp_batches_equal_single_process():
    ids = np.arange(10_000, dtype=np.int32)
    kw = dict(batch_size=8, seq_len=16, seed=3)
    for step in (0, 1, 17):
        x, y = get_batch(ids, step=step, **kw)
        assert x.shape == (8, 16) and x.dtype == torch.long
        assert torch.equal(x + 1, y)                         # consecutive ids: y is x shifted by one
        for ws in (2, 4):
            parts = [get_batch(ids, step=step, rank=r, world_size=ws, **kw) for r in range(ws)]
            assert torch.equal(torch.cat([p[0] for p in parts]), x)
            assert torch.equal(torch.cat([p[1] for p in parts]), y)
    assert torch.equal(get_batch(ids, step=5, **kw)[0], get_batch(ids, step=5, **kw)[0])
    assert not torch.equal(get_batch(ids, step=5, **kw)[0], get_batch(ids, step=6, **kw)[0])
    assert not torch.equal(get_batch(ids, step=5, **kw)[0], get_batch(ids, step=5, **{**kw, "seed": 4})[0])
    with pytest.raises(ConfigError, match="batch_size must be divisible by world_size"):
        get_batch(ids, step=0, batch_size=6, seq_len=16, seed=0, world_size=4)
    with pytest.raises(ConfigError, match="rank must be in"):
        get_batch(ids, step=0, batch_size=4, seq_len=16, seed=0, rank=2, world_size=2)


def test_val_batches_and_check_enough():
    ids = np.arange(101, dtype=np.int32)
    vb = val_batches(ids, batch_size=3, seq_len=10)
    assert [b[0].shape[0] for b in vb] == [3, 3, 3, 1]
    xs = torch.cat([b[0] for b in vb]).flatten()
    assert torch.equal(xs, torch.arange(100))                # contiguous, non-overlapping
    assert len(val_batches(ids, batch_size=3, seq_len=10, max_batches=2)) == 2
    with pytest.raises(DataError, match="val split has 5 tokens, fewer than seq_len \\+ 1 = 11"):
        check_enough(ids[:5], 10, "val")


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="no shared/data next to the checkout")
def test_gsm8k_questions():
    d = SHARED_DATA/"gsm8k"
    if not (d/"train.jsonl").exists(): pytest.skip("shared/data has no gsm8k/train.jsonl")
    data = load_lm_data(DataConfig(dataset=str(d), text_field="question", vocab_size=512, max_chars=60_000))
    assert data.meta["val_split"] == "test"
    assert data.meta["n_chars"]["train"] == 57_000
    assert "Natalia" in data.tokenizer.decode(data.train[:100])
    x, y = get_batch(data.train, step=0, batch_size=4, seq_len=32, seed=0)
    assert x.shape == (4, 32)
