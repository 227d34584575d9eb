"""Ranking pools built once, written to files, memory-mapped by every process (issue 18).

    version = write_snapshot(root, postings=..., posting_vectors=..., profiles=..., profile_vectors=...,
                             today=business_date, meta={"watermark": ...})
    snap = open_snapshot(root)                  # the version root/CURRENT names, mapped read-only
    snap.ranker.rank_postings_for(profile, vector, limit=20, retrieve_k=RETRIEVE_K)
    ranker = snap.with_delta(postings=new_or_edited, posting_vectors=..., removed_postings=ids)

A build is written to ``root/<version>.tmp-<pid>``, fsynced, renamed to ``root/<version>``, and
``root/CURRENT`` is replaced atomically (``CURRENT.tmp`` + ``os.replace``; ``search.atomic_dir``). A process that
holds an older ``Snapshot`` keeps ranking from its mapped files; versions are deleted only
when older than the newest ``keep`` (so never the one a swap just replaced). ``current_version``
is one small file read: call it per request and reopen when it changes.

Scores are those of the in-memory ``Ranker`` over the same documents (the hub discount too:
against the given hub reference, else the other side of the snapshot, as ``Ranker`` does).
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from matching import features as F
from matching.build import write_pool_streaming
from matching.delta import DeltaRanker
from matching.features import FEATURES, FI
from matching.mapped import (
    BlobWriter,
    LazyDocs,
    MappedPostingPool,
    MappedProfilePool,
    MappedVocab,
    load,
    save,
    write_vocab,
)
from matching.pairs import pair_features
from matching.pools import PostingPool, ProfilePool, Vocab
from matching.ranker import HUB_MIN_OTHERS, Ranker, _query_pool, _sample, load_weights
from matching.topk import lex_raw
from search import atomic_dir

#: 2: common bigrams are left out of BM25 in both directions (``pairs.common_pruned``), so the
#: hub scores and references of a format-1 snapshot were computed otherwise: it is rebuilt
FORMAT = 2
DIM = 384


def _weights(weights) -> np.ndarray:
    if weights is None:
        return load_weights()
    if isinstance(weights, Mapping):
        return np.array([float(weights.get(f, 0.0)) for f in FEATURES], dtype=np.float32)
    return np.asarray(weights, dtype=np.float32)


def _vectors(vectors, n: int) -> np.ndarray:
    if vectors is None:
        if n:
            raise ValueError("vectors are required for the documents (encoding is not part of a build)")
        return np.zeros((0, DIM), dtype=np.float32)
    return np.asarray(vectors, dtype=np.float32).reshape(n, -1)


def new_version() -> str:
    """Sortable: UTC timestamp to the microsecond, then a short random tail."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


# ---------------------------------------------------------------- build


def _build(path: Path, postings, posting_vectors, profiles, profile_vectors, today: dt.date,
           workers: int | None = None) -> dict:
    """Both pools, streamed one after the other (``matching.build``)."""
    vocab, reg = Vocab(), {}
    out = write_pool_streaming(PostingPool, postings, posting_vectors, vocab, today, reg, path / "postings", workers)
    save(path / "idf_post.npy", out["idf"])
    out = write_pool_streaming(ProfilePool, profiles, profile_vectors, vocab, today, reg, path / "profiles", workers)
    save(path / "idf_prof.npy", out["idf"])
    write_vocab(path, vocab.ids)
    return {"cat_registry": reg, "vocab_size": len(vocab)}


def _hub(ranker: "MappedRanker", side: str, refs: Sequence, vecs, path: Path) -> None:
    """Hub scores of ``side``'s documents against a sample of ``refs`` (the other side), written
    as ``side/hub.npy``; the sample, its raw BM25 maxima and the pool's mean go to
    ``hubref_<side>/`` so that a delta's documents get comparable hub scores."""
    idx = _sample(len(refs))
    ref = [refs[int(j)] for j in idx]
    rv = np.asarray(vecs, dtype=np.float32)[idx]
    w = ranker.weights.copy()
    w[FI["hub"]] = 0.0
    PP, SP = ranker.postings, ranker.profiles
    if side == "postings":
        Q = _query_pool(ProfilePool, ref, rv, ranker)
        feats = (lambda j: pair_features(PP, None, Q, j, ranker.idf_post, ranker.idf_prof))  # noqa: E731
        lexes = (lambda j: lex_raw(PP, None, Q, j, ranker.idf_post, ranker.idf_prof))  # noqa: E731
    else:
        Q = _query_pool(PostingPool, ref, rv, ranker)
        feats = (lambda j: pair_features(Q, j, SP, None, ranker.idf_post, ranker.idf_prof))  # noqa: E731
        lexes = (lambda j: lex_raw(Q, j, SP, None, ranker.idf_post, ranker.idf_prof))  # noqa: E731
    acc = np.zeros(len(PP if side == "postings" else SP), dtype=np.float64)
    lexmax = np.zeros(len(ref), dtype=np.float32)
    for j in range(len(ref)):
        acc += w @ feats(j).T
        lexmax[j] = float(lexes(j).max(initial=0.0))
    m = acc / max(len(ref), 1)
    mean = float(m.mean()) if len(m) else 0.0
    save(path / side / "hub.npy", (m - mean).astype(np.float32))
    d = path / f"hubref_{side}"
    d.mkdir()
    blob = BlobWriter(d, "items")
    for doc in ref:
        blob.add(doc)
    blob.close()
    save(d / "vectors.npy", rv)
    save(d / "lexmax.npy", lexmax)
    (d / "info.json").write_text(json.dumps({"mean": mean}), encoding="utf-8")


def versions(root) -> list[str]:
    """Complete versions under ``root``, oldest first."""
    return atomic_dir.versions(root, marker="snapshot.json")


def write_snapshot(root, *, postings: Iterable[F.PostingData] = (), posting_vectors=None,
                   profiles: Iterable[F.ProfileData] = (), profile_vectors=None, today: dt.date, weights=None,
                   hub_postings: Sequence[F.PostingData] = (), hub_posting_vectors=None,
                   hub_profiles: Sequence[F.ProfileData] = (), hub_profile_vectors=None,
                   meta: dict | None = None, keep: int = 2, workers: int | None = None) -> str:
    """Build a ``Ranker``-equivalent from the documents (either side may be empty), write it
    beside the current one, and make it current atomically. ``hub_profiles`` / ``hub_postings``
    are ``Ranker.set_hub_reference``'s references (used when at least ``HUB_MIN_OTHERS``),
    else the snapshot's other side is. ``meta`` (JSON) is stored as is. ``workers``: processes
    building the pools' chunks (``matching.build.default_workers()`` when None). Returns the version."""
    version = new_version()
    with atomic_dir.staged(root, version) as tmp:
        w = _weights(weights)
        info = _build(tmp, postings, posting_vectors, profiles, profile_vectors, today, workers)
        save(tmp / "weights.npy", w)
        head = {"format": FORMAT, "version": version, "today": today.isoformat(), "meta": meta or {},
                "cat_registry": info["cat_registry"], "vocab_size": info["vocab_size"]}
        (tmp / "snapshot.json").write_text(json.dumps(head, ensure_ascii=False), encoding="utf-8")
        r = MappedRanker(tmp, head)
        for side, other, refs, vecs in (("postings", r.profiles, hub_profiles, hub_profile_vectors),
                                        ("profiles", r.postings, hub_postings, hub_posting_vectors)):
            mine = r.postings if side == "postings" else r.profiles
            if len(refs) < HUB_MIN_OTHERS:
                refs, vecs = other.items, other.vectors
            if len(refs) >= HUB_MIN_OTHERS and len(mine):
                _hub(r, side, refs, vecs, tmp)
        del r
    atomic_dir.publish(root, version)
    atomic_dir.prune(root, max(int(keep), 2), spare=version, marker="snapshot.json")
    atomic_dir.remove_dead_writers_temps(root)
    return version


# ---------------------------------------------------------------- read


current_version = atomic_dir.current_version  # one small read of root/CURRENT: call it per request


class MappedRanker(Ranker):
    """A ``Ranker`` over a snapshot's mapped pools. Queries are documents (``rank_postings_for``,
    ``rank_profiles_for``); ``rank_postings(id)`` / ``rank_profiles(id)`` rank a snapshot's own
    document the same way (decoded from its files)."""

    def __init__(self, path: Path, head: dict, encoder=None):  # noqa: D107  (nothing is built)
        self.path = Path(path)
        self.today = dt.date.fromisoformat(head["today"])
        self.encoder = encoder
        self.weights = np.array(load(self.path / "weights.npy"), dtype=np.float32)
        self.vocab = MappedVocab(self.path)
        self.cat_registry = dict(head["cat_registry"])
        self.postings = MappedPostingPool(self.path / "postings", self.vocab)
        self.profiles = MappedProfilePool(self.path / "profiles", self.vocab)
        self.idf_post = load(self.path / "idf_post.npy")
        self.idf_prof = load(self.path / "idf_prof.npy")

    def rank_postings(self, profile_id: str, **kw):
        i = self.profiles.index[profile_id]
        return self.rank_postings_for(self.profiles.items[i], self.profiles.vectors[i], **kw)

    def rank_profiles(self, posting_id: str, **kw):
        i = self.postings.index[posting_id]
        return self.rank_profiles_for(self.postings.items[i], self.postings.vectors[i], **kw)


class HubReference:
    """The sample of one side a snapshot's hub scores were averaged over (for a delta's documents)."""

    def __init__(self, d: Path, cls):
        self.docs = LazyDocs(d, "items", cls)
        self.vectors = load(d / "vectors.npy")
        self.lexmax = load(d / "lexmax.npy")
        self.mean = float(json.loads((d / "info.json").read_text(encoding="utf-8"))["mean"])


class Snapshot:
    """One version of the pools, mapped read-only."""

    def __init__(self, path: Path, encoder=None):
        self.path = Path(path)
        head = json.loads((self.path / "snapshot.json").read_text(encoding="utf-8"))
        self.version: str = head["version"]
        self.format: int = int(head.get("format", 1))
        self.meta: dict = head["meta"]
        self.today: dt.date = dt.date.fromisoformat(head["today"])
        self.ranker = MappedRanker(self.path, head, encoder)
        #: the people the postings' hub scores were averaged over, and the posts the people's were
        self.hub_ref = {side: HubReference(self.path / f"hubref_{side}", cls)
                        for side, cls in (("postings", F.ProfileData), ("profiles", F.PostingData))
                        if (self.path / f"hubref_{side}").is_dir()}

    def with_delta(self, *, postings: Sequence[F.PostingData] = (), posting_vectors=None,
                   profiles: Sequence[F.ProfileData] = (), profile_vectors=None,
                   removed_postings: Iterable[str] = (), removed_profiles: Iterable[str] = ()) -> DeltaRanker:
        """A ranker over (this snapshot minus the removed ids) plus the delta documents (new or
        edited; an edited document's id may be in ``removed_*`` and in the delta: it is ranked
        once, as the delta has it). Same ranking methods; results merged by score."""
        postings, profiles = list(postings), list(profiles)
        return DeltaRanker(self.ranker, postings, _vectors(posting_vectors, len(postings)), profiles,
                           _vectors(profile_vectors, len(profiles)), removed_postings, removed_profiles, self.hub_ref)


def open_snapshot(root, version: str | None = None, *, encoder=None) -> Snapshot:
    """The snapshot ``version`` (default: the current one) under ``root``, memory-mapped.
    Raises ``FileNotFoundError`` when there is none."""
    version = version or current_version(root)
    if not version:
        raise FileNotFoundError(f"no snapshot under {root}")
    path = Path(root) / version
    if not (path / "snapshot.json").exists():
        raise FileNotFoundError(str(path))
    return Snapshot(path, encoder)
