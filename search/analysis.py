"""Query and document analysis shared by the backends.

A query is normalised (traditional → simplified, full width → ASCII) and split into
*terms* at white space and punctuation. A short term (up to 4 Han characters, or one
word of the user dictionary) is kept whole; a longer one is cut into jieba words.
Each term becomes a list of *alternatives*: itself plus the term with any synonym
substituted (前台 → 接待, 前台接待, 迎宾). A document matches when every term matches
one of its alternatives as a phrase; when no document matches every term, callers may
relax to "any term" (:attr:`AnalyzedQuery.relaxable`).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import chinese

_SPLIT_RE = re.compile(r"[\s,，。.;；:：、/|\\!！?？()（）\[\]【】<>《》\"'“”‘’·~～\-—_+]+")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KEEP_PUNCT = re.compile(r"[a-z0-9][+#]+", re.IGNORECASE)  # c++, c#

#: Words that say nothing about which posting is wanted; dropped from long queries.
STOPWORDS = frozenset(
    "我 想 找 要 求 的 了 在 有 和 或 及 与 能 会 是 做 份 个 一份 一个 一些 相关 方面 工作 岗位 职位 招聘 求职 "
    "应聘 寻找 希望 可以 附近 本地 优先 以上 左右 之类 什么 哪里 请问 有没有".split()
)
MAX_ALTERNATIVES = 16
#: Colloquial wrapping around a job word (开车的活 → 开车, 找个看大门的工作 → 看大门): the
#: head and tail are dropped from a chunk when something of two characters or more remains.
_FILLER_HEAD = re.compile(r"^(?:我想找个|我想找份|我想找|我要找个?|想找个|想找份|想找|找个|找份|想干|想做|我想)")
_FILLER_TAIL = re.compile(r"(?:的活儿?|的活计|的工作|的岗位|的差事|的事儿?|的工|活儿)$")


def _trim_filler(chunk: str) -> str:
    core = _FILLER_TAIL.sub("", _FILLER_HEAD.sub("", chunk))
    return core if len(core) >= 2 else chunk


@dataclass
class Term:
    """One query term: the alternatives (normalised strings), any of which matches."""

    text: str
    alternatives: list[str]

    @property
    def single_char(self) -> bool:
        return len(self.text) == 1 and bool(_HAN_RE.match(self.text))


@dataclass
class AnalyzedQuery:
    normalized: str
    terms: list[Term] = field(default_factory=list)
    relaxed_terms: list[Term] = field(default_factory=list)

    @property
    def relaxable(self) -> bool:
        """True when an "any term" query differs from the "every term" one."""
        return len(self.relaxed_terms) > 1


def _alternatives(term: str) -> list[str]:
    """``term`` and ``term`` with the longest synonym-group member it contains replaced
    by each other member (数控车床 → 数控车, cnc; never 数控车床床)."""
    alts = [term]
    seen: set[tuple[str, ...]] = set()
    for group in chinese.synonym_groups().values():
        if group in seen:
            continue
        seen.add(group)
        present = [m for m in group if m in term]
        if not present:
            continue
        member = max(present, key=len)
        for syn in group:
            alt = term.replace(member, syn)
            if alt not in alts and len(alts) < MAX_ALTERNATIVES:
                alts.append(alt)
    return alts


@functools.lru_cache(maxsize=1)
def job_vocabulary() -> frozenset[str]:
    """Words of the job dictionary and the synonym groups (lower-cased)."""
    words = set(chinese.synonym_groups())
    for line in (chinese._DATA / "userdict.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            words.add(line.split()[0].lower())  # the dictionary is simplified already
    return frozenset(words)


def _is_dictionary_word(chunk: str) -> bool:
    words = chinese.cut(chunk)
    return len(words) == 1 and words[0] == chunk


def analyze_query(text: str) -> AnalyzedQuery:
    """Split ``text`` into :class:`Term` s (see the module docstring)."""
    norm = chinese.normalize(text).lower()
    chunks = [c for c in _SPLIT_RE.split(norm) if c]
    # re-attach c++ / c#: the split above removed '+'
    for m in _KEEP_PUNCT.finditer(norm):
        tok = m.group(0)
        base = re.sub(r"[+#]+$", "", tok)
        if base in chunks:
            chunks[chunks.index(base)] = tok
    terms: list[Term] = []
    relaxed: list[Term] = []
    for chunk in chunks:
        chunk = _trim_filler(chunk)
        han = len(_HAN_RE.findall(chunk))
        if han <= 4 or _is_dictionary_word(chunk) or chunk in chinese.synonym_groups():
            parts = [chunk]
        else:
            parts = [w for w in chinese.cut(chunk) if w not in STOPWORDS and not (len(w) == 1 and _HAN_RE.match(w))]
            if not parts:
                parts = [chunk]
        for p in parts:
            terms.append(Term(p, _alternatives(p)))
        # relaxed ("any term") form: the parts, plus the job-vocabulary words inside a
        # long part (会计工作 → 会计), never generic fragments (工程 of 软件工程师)
        sub = list(parts)
        for part in parts:
            if len(part) > 2:
                sub.extend(w for w in chinese.words(part) if w != part and w in job_vocabulary() and w not in STOPWORDS)
        for w in sub:
            if all(t.text != w for t in relaxed):
                relaxed.append(Term(w, _alternatives(w)))
    # drop filler words only when something else remains ("找工作" alone stays)
    kept = [t for t in terms if t.text not in STOPWORDS]
    if kept:
        terms = kept
    return AnalyzedQuery(norm, terms, relaxed if len(relaxed) > 1 else [])


def warm_up() -> None:
    """Load jieba, OpenCC, pypinyin and the vocabularies now (about 1.5 s) instead of
    in the first long query. Plain data, no threads or handles: safe to load in a parent
    that forks (``flask serve`` does, so its workers share the pages); the fork hazard in
    STACK-NOTES is the model's, which this does not touch."""
    analyze_query("数控车床操作工 招聘")
    job_vocabulary()
    chinese.pinyin_words("会计")


def doc_columns(title: str, skills: list[str], text: str) -> dict[str, str]:
    """The indexed columns of a document: character pairs of title, skills and text
    (with run tails, see :func:`chinese.bigrams`), jieba words of all three, and the
    pinyin of the words of title and skills."""
    title = chinese.normalize(title)
    skills_n = [chinese.normalize(s) for s in skills or []]
    text = chinese.normalize(text)
    head = chinese.words(" ".join([title, *skills_n]))  # cut once, used twice
    return {
        "title": " ".join(chinese.bigrams(title, tail=True)),
        "skills": " ; ".join(" ".join(chinese.bigrams(s, tail=True)) for s in skills_n),
        "body": " ".join(chinese.bigrams(text, tail=True)),
        "words": " ".join(head + chinese.words(text)),
        "pinyin": " ".join(chinese.pinyin_of_words(head)),
    }
