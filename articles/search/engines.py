"""
The two full-text engines behind one interface, chosen from the database in use.

- SQLite: an FTS5 table (`porter unicode61 remove_diacritics 2`: stemming and accent folding)
  ranked by BM25 with field weights.
- PostgreSQL: a weighted tsvector (english configuration) with a GIN index, ranked by ts_rank.

Both answer `count(parsed, filters, cap)`, exact up to `cap` (counting all 9,000 matches of
"knee" tells a reader nothing "more than 1,000" does not), and `match(parsed, filters, limit,
offset, operator, cap)` with ([(article id, snippet)] in rank order, how many match: None when
the page is empty; PostgreSQL counts every match in the ranking's own pass, SQLite counts up
to `cap` in a query of its own, or not at all when the page is the last). Both mark matches
in snippets with \x02 … \x03, which `search.highlight()` turns into <mark> after escaping.
Every value reaches SQL as a parameter; the query structure is built only from words of
letters and digits (query.py).
"""

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

    def _common_words(self, parsed):
        """The query's one-word phrases that at least half of all indexed articles hold. FTS5's
        bm25 gives such a word an idf of 1e-6 instead of a negative one (log((N - n + 0.5) /
        (n + 0.5)) <= 0 when n >= N / 2), so it adds at most 1e-6 x (k1 + 1) to any score.
        Counted in the index itself (by stem, as bm25 counts), no further than half."""
        singles = sorted({p[0] for unit in parsed.units for p in unit if len(p) == 1})
        if not singles:
            return set()
        half_sql = "(SELECT (COUNT(*) + 1) / 2 FROM articles_searchdocument)"
        counts = ", ".join(
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT {half_sql}))"  # noqa: E501
            for _ in singles
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {half_sql}, {counts}", [f'"{word}"' for word in singles])
            half, *found = cursor.fetchone()
        return {word for word, n in zip(singles, found, strict=True) if half and n >= half}

    # The full-text table drives every query (CROSS JOIN fixes the join order): left to
    # itself SQLite's planner may scan the articles and probe the index per row, which costs
    # seconds at 10,000 articles instead of milliseconds.
    def _ranked(self, expression, filters, limit, offset, among=None):
        """[(id, bm25 score)] in rank order. `among`: score only the matches that also match
        this expression (bm25 is the dearest part of a search, about 1 µs per match)."""
        params = [expression]
        restrict = ""
        if among:
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

    def match(self, parsed, filters, limit, offset, operator="AND", cap=None):
        expression = self._expression(parsed, operator)
        phrases = [p for unit in parsed.units for p in unit]
        common = self._common_words(parsed) if len(phrases) > 1 else set()
        rare = [p for p in phrases if not (len(p) == 1 and p[0] in common)]
        rows = None
        if common and rare:
            # Top k by bounds (MaxScore): a match holding none of the rare phrases scores at
            # most `ceiling`. When the page ranked among the matches that hold one is full and
            # its last score is above that, no other match can be on it: the same page as
            # ranking every match, for a fraction of the work ("weakness": 1,352 of 10,012).
            ceiling = (BM25_K1 + 1) * 1e-6 * (len(phrases) - len(rare))
            among = " OR ".join('"' + " ".join(p) + '"' for p in rare)
            rows = self._ranked(expression, filters, limit, offset, among)
            if len(rows) < limit or -rows[-1][1] <= ceiling:
                rows = None
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
        expression = "{title} : " + " ".join([f'"{w}"' for w in whole] + [f'"{last}"*'])
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
    config = "english"

    def _expression(self, parsed, operator):
        """A tsquery expression built from parameterised function calls."""
        joiner = " && " if operator == "AND" else " || "
        units, params = [], []
        for unit in parsed.units:
            alternatives = []
            for phrase in unit:
                function = "phraseto_tsquery" if len(phrase) > 1 else "plainto_tsquery"
                alternatives.append(f"{function}('{self.config}', %s)")
                params.append(" ".join(phrase))
            units.append("(" + " || ".join(alternatives) + ")")
        return joiner.join(units), params

    def match(self, parsed, filters, limit, offset, operator="AND", cap=None):
        expression, params = self._expression(parsed, operator)
        where = _filters_sql(filters, params)
        sql = f"""
            WITH q AS (SELECT {expression} AS query)
            SELECT a.id,
                   ts_headline('{self.config}', d.summary || ' ' || d.body, q.query,
                               'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ',
                                MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=1,
                                FragmentDelimiter=…'),
                   a.rank, a.total
            FROM (
                SELECT a.id, ts_rank(d.vector, q.query) AS rank, COUNT(*) OVER () AS total
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
        words (migration 0009's index), shortest titles first."""
        *whole, last = prefix_words
        text = " & ".join([*whole, f"{last}:*"])
        params = [text]
        where = _filters_sql({}, params)
        sql = f"""
            SELECT a.id FROM articles_article a
            WHERE to_tsvector('simple', a.title) @@ to_tsquery('simple', %s) {where}
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
