"""
The two full-text engines behind one interface, chosen from the database in use.

- SQLite: an FTS5 table (`porter unicode61 remove_diacritics 2`: stemming and accent folding)
  ranked by BM25 with field weights.
- PostgreSQL: a weighted tsvector (English stemming, accents folded, no stop words: migration
  0012) with a GIN index, ranked by ts_rank.

Both answer `count(parsed, filters, cap)`, exact up to `cap` (counting all 9,000 matches of
"knee" tells a reader nothing "more than 1,000" does not), and `match(parsed, filters, limit,
offset, operator, cap)` with ([(article id, snippet)] in rank order, how many match: None when
the page is empty; PostgreSQL counts every match in the ranking's own pass, SQLite counts up
to `cap` in a query of its own, or not at all when the page is the last). Both mark matches
in snippets with \x02 … \x03, which `search.highlight()` turns into <mark> after escaping.
Every value reaches SQL as a parameter; the query structure is built only from words of
letters and digits (query.py).
"""

import math
from collections import Counter

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.utils import timezone

from ..models import SearchDocument

FTS_TABLE = "articles_search_fts"
START, STOP = "\x02", "\x03"
WEIGHTS = {"title": 10.0, "keywords": 5.0, "summary": 2.0, "body": 1.0}
BM25_K1 = 1.2  # FTS5's bm25 constant


def _filters_sql(filters, params):
    sql = " AND a.status = 'published' AND a.published_at <= %s"
    params.append(timezone.now())
    if filters.get("category"):
        sql += " AND a.category_id = %s"
        params.append(filters["category"])
    if filters.get("tag"):
        sql += " AND EXISTS (SELECT 1 FROM articles_article_tags t WHERE t.article_id = a.id AND t.tag_id = %s)"  # noqa: E501
        params.append(filters["tag"])
    return sql


def _count(matching_sql, params, cap):
    """How many rows `matching_sql` gives, counting no further than `cap`."""
    limit = " LIMIT %s" if cap else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM ({matching_sql}{limit}) matching",
            [*params, *([cap] if cap else [])],
        )
        return cursor.fetchone()[0]


class SQLiteEngine:
    vendor = "sqlite"

    def _expression(self, parsed, operator):
        units = []
        for unit in parsed.units:
            alternatives = ['"' + " ".join(phrase) + '"' for phrase in unit]
            units.append("(" + " OR ".join(alternatives) + ")")
        return f" {operator} ".join(units)

    def _bounds(self, phrases):
        """{one-word phrase: the most it can add to any bm25 score}. FTS5's bm25 adds, per phrase,
        idf x f(k1 + 1) / (f + k1 x (...)), which is below idf x (k1 + 1) whatever the
        weights and lengths, with idf = log((N - n + 0.5) / (n + 0.5)), or 1e-6 when that is
        not positive (n >= N / 2). n is counted in the full-text index (by stem, as bm25
        counts) no further than N / 2, and not at all when the spelling dictionary already
        has the word as typed in half the articles. Phrases of several words are not
        counted: FTS5 checks them word position by word position, as dear as ranking."""
        words = sorted({p[0] for p in phrases if len(p) == 1})
        if not words:
            return {}
        half = "(SELECT half FROM size)"
        count = f"""(CASE
            WHEN (SELECT documents FROM articles_searchterm WHERE term = %s) >= {half} THEN {half}
            ELSE (SELECT COUNT(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT {half}))
        END)"""  # noqa: E501
        with connection.cursor() as cursor:
            # The documents and the full-text rows are written in the same transactions, so
            # there are as many of one as of the other (bm25's N).
            cursor.execute(
                f"""WITH size AS MATERIALIZED (SELECT COUNT(*) AS n, (COUNT(*) + 1) / 2 AS half
                                               FROM articles_searchdocument)
                    SELECT (SELECT n FROM size), {", ".join([count] * len(words))}""",
                [param for word in words for param in (word, f'"{word}"')],
            )
            rows, *found = cursor.fetchone()
        bounds = {}
        for word, n in zip(words, found, strict=True):
            idf = math.log((rows - n + 0.5) / (n + 0.5)) if rows else 0.0
            # A hair above the bound, so that rounding can never make it too low.
            bounds[word] = (BM25_K1 + 1) * (idf if idf > 0 else 1e-6) * (1 + 1e-9)
        return bounds

    # The full-text table drives every query (CROSS JOIN fixes the join order): left to
    # itself SQLite's planner may scan the articles and probe the index per row, which costs
    # seconds at 10,000 articles instead of milliseconds.
    def _ranked(self, expression, filters, limit, offset, among=None):
        """[(id, bm25 score)] in rank order. `among`: score only the matches that also hold one
        of these phrases (bm25 is the dearest part of a search, about 1 µs per match)."""
        params = [expression]
        restrict = ""
        if among:
            among = " OR ".join('"' + " ".join(phrase) + '"' for phrase in among)
            # The + keeps the rowid test a filter on the full-text scan: as a constraint
            # SQLite would run the whole MATCH once per listed row.
            restrict = f" AND +{FTS_TABLE}.rowid IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)"  # noqa: E501
            params.append(among)
        where = _filters_sql(filters, params)
        weights = ", ".join(str(w) for w in WEIGHTS.values())
        sql = f"""
            SELECT a.id, bm25({FTS_TABLE}, {weights}) AS score FROM {FTS_TABLE}
            CROSS JOIN articles_article a INDEXED BY article_search_cover
                ON a.id = {FTS_TABLE}.rowid
            WHERE {FTS_TABLE} MATCH %s {restrict} {where}
            ORDER BY score, a.id
            LIMIT %s OFFSET %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            return cursor.fetchall()

    def _pruned(self, parsed, expression, filters, limit, offset, operator):
        """The page ranked from the matches that can be on it, or None (MaxScore, top k by
        bounds). A match holding none of the phrases in `essential` scores at most the sum of
        the other phrases' bounds; when the page ranked among the matches that do hold one is
        full and its last score is above that sum, no other match can be on it: the same page
        as ranking every match, for a fraction of the work ("numb leg": 846 of 3,796)."""
        # A phrase the expression holds twice is scored twice.
        phrases = Counter(tuple(p) for unit in parsed.units for p in unit)
        if sum(phrases.values()) < 2:
            return None
        bounds = self._bounds(phrases)
        bound = {p: n * bounds[p[0]] if len(p) == 1 else math.inf for p, n in phrases.items()}
        if all(len(p) == 1 and bounds[p[0]] <= (BM25_K1 + 1) * 2e-6 for p in phrases):
            return None  # every word in half the articles: nothing to prune
        # First try: the phrases no bound can leave out (several words) and the one that
        # weighs most; in most searches that decides the page.
        several = [p for p in phrases if bound[p] == math.inf]
        singles = [p for p in phrases if bound[p] != math.inf]
        essential = several + ([max(singles, key=bound.get)] if singles else [])
        for _ in range(2):
            rest = sorted((p for p in phrases if p not in essential), key=bound.get)
            covered = operator == "AND" and any(
                all(tuple(p) in essential for p in unit) for unit in parsed.units
            )
            if covered or not rest:
                return None  # every match holds one of them: that is the full ranking
            rows = self._ranked(expression, filters, limit, offset, essential)
            if not rows or len(rows) < limit:
                return None
            threshold, left_out, fits = -rows[-1][1], 0.0, 0
            while fits < len(rest) and left_out + bound[rest[fits]] < threshold:
                left_out += bound[rest[fits]]
                fits += 1
            if fits == len(rest):
                return rows  # every other phrase together scores below this page's last
            if not fits:
                return None
            # Second try, sure to hold: leave out only the phrases whose bounds fit under
            # this page's last score; ranking more matches can only raise that score.
            essential = [p for p in phrases if p not in rest[:fits]]
        return None

    def match(self, parsed, filters, limit, offset, operator="AND", cap=None):
        expression = self._expression(parsed, operator)
        rows = self._pruned(parsed, expression, filters, limit, offset, operator)
        if rows is None:
            rows = self._ranked(expression, filters, limit, offset)
        if not rows:
            return [], None
        # A short page is the last one: its end is the count.
        if len(rows) < limit:
            total = offset + len(rows)
        else:
            total = self.count(parsed, filters, operator, cap)
        ids = [row[0] for row in rows]
        with connection.cursor() as cursor:
            # Snippets only for the page shown, not for every match.
            marks = ", ".join(["%s"] * len(ids))
            # From the text readers see (body, else summary), never the keyword list.
            cursor.execute(
                f"""SELECT rowid, snippet({FTS_TABLE}, 3, char(2), char(3), '…', 28),
                           snippet({FTS_TABLE}, 2, char(2), char(3), '…', 28)
                    FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid IN ({marks})""",
                [expression, *ids],
            )
            snippets = {
                pk: body if START in body or START not in summary else summary
                for pk, body, summary in cursor.fetchall()
            }
        return [(pk, snippets.get(pk, "")) for pk in ids], total

    def count(self, parsed, filters, operator="AND", cap=None):
        params = [self._expression(parsed, operator)]
        where = _filters_sql(filters, params)
        sql = f"""SELECT 1 FROM {FTS_TABLE}
                  CROSS JOIN articles_article a INDEXED BY article_search_cover
                      ON a.id = {FTS_TABLE}.rowid
                  WHERE {FTS_TABLE} MATCH %s {where}"""
        return _count(sql, params, cap)

    def titles(self, prefix_words, limit):
        """Published articles whose title has these words, the last one as a prefix."""
        *whole, last = prefix_words
        # The column filter on each phrase: "{title} : a b" would hold only for "a".
        expression = " AND ".join(
            [f'{{title}} : "{w}"' for w in whole] + [f'{{title}} : "{last}"*']
        )
        params = [expression]
        where = _filters_sql({}, params)
        sql = f"""
            SELECT a.id FROM {FTS_TABLE}
            CROSS JOIN articles_article a INDEXED BY article_search_cover
                ON a.id = {FTS_TABLE}.rowid
            WHERE {FTS_TABLE} MATCH %s {where}
            ORDER BY bm25({FTS_TABLE}), a.id
            LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return [row[0] for row in cursor.fetchall()]

    def index(self, documents):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(d.pk,) for d in documents]
            )
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, title, keywords, summary, body) "
                "VALUES (%s, %s, %s, %s, %s)",
                [(d.pk, d.title, d.keywords, d.summary, d.body) for d in documents],
            )

    def remove(self, article_ids):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk in article_ids]
            )

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")


class PostgresEngine:
    vendor = "postgresql"
    # English stemming after unaccent, without a stop-word list: as FTS5 reads words
    # (migration 0012).
    config = "kneeinfo"

    def _units(self, parsed):
        """One tsquery expression per unit, from parameterised function calls."""
        units, params = [], []
        for unit in parsed.units:
            alternatives = []
            for phrase in unit:
                function = "phraseto_tsquery" if len(phrase) > 1 else "plainto_tsquery"
                alternatives.append(f"{function}('{self.config}', %s)")
                params.append(" ".join(phrase))
            units.append("(" + " || ".join(alternatives) + ")")
        return units, params

    def _expression(self, parsed, operator):
        """A tsquery expression built from parameterised function calls."""
        units, params = self._units(parsed)
        return (" && " if operator == "AND" else " || ").join(units), params

    def match(self, parsed, filters, limit, offset, operator="AND", cap=None):
        expression, params = self._expression(parsed, operator)
        rank, columns = "ts_rank(d.vector, q.query)", ""
        if operator == "OR" and len(parsed.units) > 1:
            # No article has every word: the rank is multiplied by how many of them each has
            # (Lucene's coordination factor; ts_rank has no idf, so without it a common word
            # found many times outweighs several rarer ones).
            units, unit_params = self._units(parsed)
            columns = "".join(f", {unit} AS u{n}" for n, unit in enumerate(units))
            params += unit_params
            found = " + ".join(f"(d.vector @@ q.u{n})::int" for n in range(len(units)))
            rank = f"{rank} * ({found})"
        where = _filters_sql(filters, params)
        sql = f"""
            WITH q AS (SELECT {expression} AS query{columns})
            SELECT a.id,
                   ts_headline('{self.config}', d.summary || ' ' || d.body, q.query,
                               'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ',
                                MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=1,
                                FragmentDelimiter=…'),
                   a.rank, a.total
            FROM (
                SELECT a.id, {rank} AS rank, COUNT(*) OVER () AS total
                FROM articles_searchdocument d
                JOIN articles_article a ON a.id = d.article_id, q
                WHERE d.vector @@ q.query {where}
                ORDER BY rank DESC, a.id
                LIMIT %s OFFSET %s
            ) a
            JOIN articles_searchdocument d ON d.article_id = a.id, q
            ORDER BY a.rank DESC, a.id
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit, offset])
            rows = cursor.fetchall()
        return [(row[0], row[1]) for row in rows], (rows[0][3] if rows else None)

    def count(self, parsed, filters, operator="AND", cap=None):
        expression, params = self._expression(parsed, operator)
        where = _filters_sql(filters, params)
        sql = f"""WITH q AS (SELECT {expression} AS query)
                  SELECT 1 FROM articles_searchdocument d
                  JOIN articles_article a ON a.id = d.article_id, q
                  WHERE d.vector @@ q.query {where}"""
        return _count(sql, params, cap)

    def titles(self, prefix_words, limit):
        """Published articles whose title has these words, the last one as a prefix: plain
        words, accents folded (migration 0012's index), shortest titles first."""
        *whole, last = prefix_words
        text = " & ".join([*whole, f"{last}:*"])
        params = [text]
        where = _filters_sql({}, params)
        sql = f"""
            SELECT a.id FROM articles_article a
            WHERE to_tsvector('kneeinfo_plain', a.title) @@ to_tsquery('kneeinfo_plain', %s) {where}
            ORDER BY length(a.title), a.id
            LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, limit])
            return [row[0] for row in cursor.fetchall()]

    def index(self, documents):
        vector = (
            SearchVector("title", weight="A", config=self.config)
            + SearchVector("keywords", weight="B", config=self.config)
            + SearchVector("summary", weight="C", config=self.config)
            + SearchVector("body", weight="D", config=self.config)
        )
        SearchDocument.objects.filter(pk__in=[d.pk for d in documents]).update(vector=vector)

    def remove(self, article_ids):
        """The vector lives on the document row, which goes with it."""

    def clear(self):
        """As above: nothing beside the document rows."""


def engine():
    return PostgresEngine() if connection.vendor == "postgresql" else SQLiteEngine()
