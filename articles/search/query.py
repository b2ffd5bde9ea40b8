"""
From what a reader typed to what the engines look for.

A query is cleaned (control characters and NUL removed, length capped), split into words, and
matched against tag names and aliases: "pins and needles" also looks for "tingling". The result
is a list of units that must all match; each unit is a list of alternatives, each alternative a
phrase (a list of words). Words are letters and digits only, so no engine operator can ever come
from the reader.
"""

import re
import unicodedata
from dataclasses import dataclass, field

MAX_QUERY_LENGTH = 200
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "am",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "feel",
        "feeling",
        "feels",
        "felt",
        "for",
        "from",
        "get",
        "gets",
        "getting",
        "had",
        "has",
        "have",
        "having",
        "how",
        "i",
        "i'm",
        "im",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "it's",
        "just",
        "like",
        "me",
        "my",
        "of",
        "on",
        "or",
        "so",
        "some",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "up",
        "very",
        "was",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


def clean(text):
    """Printable text only, spaces collapsed, at most MAX_QUERY_LENGTH characters."""
    text = "".join(ch if unicodedata.category(ch)[0] not in "CZ" else " " for ch in str(text or ""))
    return " ".join(text.split())[:MAX_QUERY_LENGTH].strip()


def words(text):
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w.replace("’", "'") for w in WORD.findall(folded)]


@dataclass
class Expansion:
    """A lay word or phrase in the query that stands for a tag."""

    matched: str
    tag_name: str
    tag_slug: str


@dataclass
class ParsedQuery:
    text: str
    units: list = field(default_factory=list)  # [[phrase words, ...], ...]
    expansions: list = field(default_factory=list)

    @property
    def terms(self):
        """Every distinct word the query looks for, for highlighting and suggestions."""
        return list(dict.fromkeys(w for unit in self.units for phrase in unit for w in phrase))

    @property
    def typed_words(self):
        return [w for w in words(self.text) if w not in STOPWORDS]

    def __bool__(self):
        return bool(self.units)


def _find(sequence, phrase):
    for start in range(len(sequence) - len(phrase) + 1):
        if sequence[start : start + len(phrase)] == phrase:
            return start
    return -1


def parse(text, vocabulary=()):
    """`vocabulary` is [(phrase, tag_name, tag_slug)] for every tag name and alias."""
    text = clean(text)
    tokens = words(text)
    parsed = ParsedQuery(text=text)
    used = [False] * len(tokens)
    # Every name and alias of a tag stands for the others: "knee gives way" also finds "buckling".
    synonyms = {}
    for phrase, _tag_name, tag_slug in vocabulary:
        phrase_words = words(phrase)
        if phrase_words and phrase_words not in synonyms.setdefault(tag_slug, []):
            synonyms[tag_slug].append(phrase_words)
    # Longest phrases first, so "back of my knee" wins over "knee".
    for phrase, tag_name, tag_slug in sorted(vocabulary, key=lambda v: -len(words(v[0]))):
        phrase_words = words(phrase)
        if not phrase_words:
            continue
        start = _find(tokens, phrase_words)
        if start < 0 or any(used[start : start + len(phrase_words)]):
            continue
        for i in range(start, start + len(phrase_words)):
            used[i] = True
        alternatives = [phrase_words]
        if phrase_words != words(tag_name):
            alternatives += [other for other in synonyms[tag_slug] if other != phrase_words]
        parsed.units.append(alternatives)
        parsed.expansions.append(Expansion(phrase, tag_name, tag_slug))
    for token, taken in zip(tokens, used, strict=True):
        if not taken and token not in STOPWORDS and [[token]] not in parsed.units:
            parsed.units.append([[token]])
    return parsed
