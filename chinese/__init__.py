"""Chinese text handling shared by search, matching and the web edge.

Text is normalised once, at the edge (forms, API bodies, imported files): Unicode NFKC
(full-width letters and digits become ASCII), traditional characters become simplified
(OpenCC ``t2s``), and runs of white space collapse to one space. Everything stored and
indexed is therefore simplified; a traditional query (軟件工程師) finds simplified text
(软件工程师) because the query passes the same normaliser.

Tokenisation offers two views, used side by side by the lexical index:
* ``bigrams``: overlapping character pairs of each Han run (会计招聘 → 会计 计招 招聘), plus
  lower-cased Latin/digit words. Two-character queries (焊工, 会计) always work this way.
* ``words``: jieba segmentation with a user dictionary of job terms (the national
  occupation classification plus a curated list), for ranking signal and skill overlap.

This package imports neither Flask nor the ORM, so search and matching may use it.
"""
from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
import threading
import unicodedata
from pathlib import Path

import jieba
import opencc
import pypinyin

_DATA = Path(__file__).with_name("data")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_HAN}]+|[a-z0-9][a-z0-9+#.]*", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s+")
# a jieba word worth keeping: Han and/or Latin/digit characters (DCS内操, c++, 5s)
_WORD_RE = re.compile(rf"[{_HAN}a-z0-9][{_HAN}a-z0-9+#.]*", re.IGNORECASE)
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _converter():
    return opencc.OpenCC("t2s")


#: recent results of ``normalize`` (and each result mapped to itself: the function is
#: idempotent), for short texts: a build normalises a document's text, then the same text
#: again inside ``expanded``/``grams``, and the same skill phrases and district names recur
#: across thousands of documents
_NORM_CACHE: dict[str, str] = {}
_NORM_CACHE_MAX = 8192
_NORM_CACHE_LEN = 400


def normalize(text: str | None) -> str:
    """Return ``text`` as NFKC, simplified Chinese, with white space collapsed.

    ``None`` becomes ``""``. Control characters are dropped. Idempotent:
    ``normalize(normalize(x)) == normalize(x)``.
    """
    if not text:
        return ""
    text = str(text)
    hit = _NORM_CACHE.get(text)
    if hit is not None:
        return hit
    out = _normalize(text)
    if len(text) <= _NORM_CACHE_LEN:
        if len(_NORM_CACHE) >= _NORM_CACHE_MAX:
            _NORM_CACHE.clear()
        _NORM_CACHE[text] = out
        _NORM_CACHE[out] = out
    return out


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # str.isprintable() is False exactly when a character is in a category "C*" or "Z*" other
    # than the ASCII space: only then can there be a control character to drop
    if not text.isprintable():
        text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    converted = _converter().convert(text)
    # OpenCC may produce characters NFKC would fold again; fold once more so the
    # function is idempotent (NFKC text OpenCC left as it was is already folded).
    if converted != text:
        text = unicodedata.normalize("NFKC", converted)
    return _SPACE_RE.sub(" ", text).strip()


_LINE_SPACE_RE = re.compile(r"[ \t\u3000]*\n[ \t\u3000]*")


def tidy(text: str | None) -> str:
    """What a person wrote, kept as they wrote it: full-width punctuation (，（）：),
    traditional characters and their spacing stay; only control characters are dropped,
    line endings unified and the ends trimmed. Stored free text (names, descriptions,
    notes, reasons) goes through this; the keys used to search, match, find duplicates and
    compare go through :func:`normalize` where they are used."""
    if not text:
        return ""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return _LINE_SPACE_RE.sub("\n", text).strip()


def bigrams(text: str, tail: bool = False) -> list[str]:
    """Overlapping Han character pairs and lower-cased Latin/digit words of ``text``.

    A single Han character standing alone yields itself, so one-character runs are
    not lost. With ``tail=True`` the last character of every longer Han run is also
    emitted alone (电焊工 → 电焊 焊工 工): an index built that way lets a
    one-character prefix query (``焊*``) find every occurrence of the character.
    ``text`` should already be normalised.
    """
    out: list[str] = []
    for tok in _TOKEN_RE.findall(text):
        if "\u3400" <= tok[0]:
            if len(tok) == 1:
                out.append(tok)
            else:
                out.extend([tok[i : i + 2] for i in range(len(tok) - 1)])
                if tail:
                    out.append(tok[-1])
        else:  # starts with a letter or digit, so never empty
            out.append(tok.lower().rstrip("."))
    return out


@functools.lru_cache(maxsize=1)
def _jieba():
    jieba.setLogLevel(logging.WARNING)
    # jieba writes its cache to the system temp folder by default; keep it in a
    # folder we choose so that read-only or shared /tmp setups do not break it.
    cache_dir = os.environ.get("MARKETPLACE_CACHE_DIR") or os.path.join(tempfile.gettempdir(), "marketplace-jieba")
    os.makedirs(cache_dir, exist_ok=True)
    tk = jieba.Tokenizer()
    tk.tmp_dir = cache_dir
    # jieba leaves a file it opened from a path unclosed (ResourceWarning): open it here
    with open(_DATA / "userdict.txt", "rb") as f:
        tk.load_userdict(f)
    return tk


def _tokenizer():
    with _lock:  # jieba's lazy initialisation is not thread-safe
        tk = _jieba()
        tk.check_initialized()
    return tk


def words(text: str) -> list[str]:
    """jieba words of ``text`` (search mode: long words and their parts), lower-cased,
    without punctuation. Mixed terms from the user dictionary stay whole (dcs内操)."""
    out = []
    for w in _tokenizer().cut_for_search(text):
        w = w.strip().lower().rstrip(".")
        if w and _WORD_RE.fullmatch(w):
            out.append(w)
    return out


def cut(text: str) -> list[str]:
    """jieba words of ``text`` (precise mode: no overlapping parts), lower-cased,
    without punctuation. Used to split a long query into its words."""
    out = []
    for w in _tokenizer().cut(text):
        w = w.strip().lower().rstrip(".")
        if w and _WORD_RE.fullmatch(w):
            out.append(w)
    return out


@functools.lru_cache(maxsize=1)
def synonym_groups() -> dict[str, tuple[str, ...]]:
    """Map each word in ``data/synonyms.txt`` to its whole group (canonical word first)."""
    groups: dict[str, tuple[str, ...]] = {}
    for line in (_DATA / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        group = tuple(dict.fromkeys(normalize(w) for w in line.split()))
        for w in group:
            groups.setdefault(w, group)
    return groups


def synonyms(word: str) -> tuple[str, ...]:
    """All words interchangeable with ``word`` (including itself)."""
    return synonym_groups().get(word, (word,))


def canonical(word: str) -> str:
    """The canonical form of ``word``'s synonym group (itself if it has none)."""
    return synonyms(word)[0]


@functools.lru_cache(maxsize=1)
def _synonym_index() -> tuple[list[tuple[str, tuple[str, ...]]], dict[str, list[int]]]:
    """``synonym_groups``' (word, group) pairs in order, and their positions by the word's
    first two characters (the whole word when shorter)."""
    pairs = list(synonym_groups().items())
    by_head: dict[str, list[int]] = {}
    for k, (word, _group) in enumerate(pairs):
        by_head.setdefault(word[:2], []).append(k)
    return pairs, by_head


def expand(text: str) -> list[str]:
    """Synonyms of every group whose member occurs in ``text`` (not including the
    members already present), for query expansion."""
    pairs, by_head = _synonym_index()
    # a word can occur only where its first two characters do: look up the text's one- and
    # two-character substrings (and the empty word, if any) instead of trying every word
    heads = {"", *text, *map(str.__add__, text, text[1:])}
    cand = sorted(k for h in heads.intersection(by_head) for k in by_head[h])
    found: list[str] = []
    seen = set()
    for k in cand:
        word, group = pairs[k]
        if word in text and group not in seen:
            seen.add(group)
            found.extend(w for w in group if w not in text)
    return found


@functools.lru_cache(maxsize=1)
def _pypinyin():
    return pypinyin


@functools.lru_cache(maxsize=65536)  # job words repeat: indexing 100k postings looks up far fewer
def to_pinyin(word: str) -> str:
    """Toneless pinyin of the Han characters of ``word``, syllables joined
    (会计 → ``kuaiji``; pypinyin's phrase dictionary picks the reading of 会 in 会计)."""
    return "".join(_pypinyin().lazy_pinyin(word, errors="ignore")).lower()


def pinyin_words(text: str) -> list[str]:
    """Pinyin of every jieba word of two or more Han characters in ``text``, without
    duplicates (电焊工 → dianhan, hangong, dianhangong). Indexed beside the text so a
    person typing pinyin without an input method (``kuaiji``) still finds 会计."""
    return pinyin_of_words(words(text))


def pinyin_of_words(ws: list[str]) -> list[str]:
    """:func:`pinyin_words` for words already cut by :func:`words`."""
    out: dict[str, None] = {}
    for w in ws:
        if len(w) >= 2 and all("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in w):
            p = to_pinyin(w)
            if p:
                out[p] = None
    return list(out)


_PINYIN_RE = re.compile(r"[a-z]{4,}")


def looks_like_pinyin(term: str) -> bool:
    """A lower-case Latin term of 4+ letters that may be pinyin typed without tones."""
    return bool(_PINYIN_RE.fullmatch(term))
