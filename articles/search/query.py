"""
From what a reader typed to what the engines look for.

A query is cleaned (control characters and NUL removed, length capped), split into words, and
matched against tag names and aliases: "pins and needles" also looks for "tingling" and for
every article tagged Tingling. The result is a list of units that must all match; each unit is
a list of alternatives, each alternative a phrase (a list of words). Words are letters and
digits only, so no engine operator can ever come from the reader.

A tag is found through one word the index holds for each tagged article (`tag_token`), not by
looking for each of its aliases in every article's text: matching "back of the knee", "behind
the knee", "hollow of the knee" … phrase by phrase over 10,000 articles costs several times
more than one word, and finds nothing an editor's tagging does not.
"""

import functools
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
        "go",
        "goes",
        "going",
        "gone",
        "got",
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
        "might",
        "must",
        "my",
        "now",
        "of",
        "on",
        "or",
        "shall",
        "should",
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
        "went",
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


# "can't", "don't", "I've", "you're", "we'll", "I'd": small words too, whatever they are
# contracted from. (Kept, "can't" would have to be in an article as "can" followed by "t".)
CONTRACTION = re.compile(r"n't$|'(?:ve|re|ll|d|m)$")


def is_stopword(word):
    return word in STOPWORDS or bool(CONTRACTION.search(word))


TAG_TOKEN_PREFIX = "kneeinfotag"


def tag_token(slug):
    """The word the search index holds for "this article has this tag"."""
    return TAG_TOKEN_PREFIX + re.sub(r"[^a-z0-9]", "", slug.lower())


def normalise(text):
    """Printable text only, spaces collapsed: what the index holds, however long."""
    text = "".join(ch if unicodedata.category(ch)[0] not in "CZ" else " " for ch in str(text or ""))
    return " ".join(text.split())


def clean(text):
    """What a reader typed: `normalise`d, at most MAX_QUERY_LENGTH characters."""
    return normalise(text)[:MAX_QUERY_LENGTH].strip()


def words(text):
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [w.replace("’", "'") for w in WORD.findall(folded)]


def search_words(text):
    """`words`, without the possessive "'s" ("runner's knee" looks for "runner", as
    PostgreSQL's parser does; SQLite's would look for "runner" followed by "s")."""
    return [w[:-2] if w.endswith("'s") else w for w in words(text)]


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
        return list(
            dict.fromkeys(
                w
                for unit in self.units
                for phrase in unit
                for w in phrase
                if not w.startswith(TAG_TOKEN_PREFIX)
            )
        )

    @property
    def typed_words(self):
        return [w for w in words(self.text) if not is_stopword(w)]

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
    tokens = search_words(text)
    parsed = ParsedQuery(text=text)
    used = [False] * len(tokens)
    for phrase, phrase_words, tag_name, tag_slug, alternatives in _compile(tuple(vocabulary)):
        start = _find(tokens, phrase_words)
        if start < 0 or any(used[start : start + len(phrase_words)]):
            continue
        for i in range(start, start + len(phrase_words)):
            used[i] = True
        parsed.units.append([list(words_) for words_ in alternatives])
        parsed.expansions.append(Expansion(phrase, tag_name, tag_slug))
    for token, taken in zip(tokens, used, strict=True):
        if not taken and not is_stopword(token) and [[token]] not in parsed.units:
            parsed.units.append([[token]])
    return parsed


@functools.lru_cache(maxsize=4)
def _compile(vocabulary):
    """The vocabulary split into words once, not on every search: longest phrases first (so
    "back of my knee" wins over "knee"), each with what it also searches for: the tag's name
    in any text ("knee gives way" also finds "instability") and the tag itself."""
    compiled = []
    for phrase, tag_name, tag_slug in sorted(vocabulary, key=lambda v: -len(words(v[0]))):
        phrase_words = search_words(phrase)
        if not phrase_words:
            continue
        alternatives = [phrase_words]
        name_words = search_words(tag_name)
        if name_words and name_words != phrase_words:
            alternatives.append(name_words)
        alternatives.append([tag_token(tag_slug)])
        compiled.append((phrase, phrase_words, tag_name, tag_slug, alternatives))
    return compiled
