"""Product search: one function, two backends, the same behaviour.

PostgreSQL: full-text search with the `indonesian` configuration (the Snowball
stemmer: "menganyam" finds "anyaman"), ranked, plus pg_trgm word similarity on
names so that small typos still find ("kopi bubuk robustaa"). Every word of the
query must match (websearch syntax).

SQLite (the embedded default) does the same with what it lacks built in: each
product stores `search_document`, the Snowball Indonesian stems of its name and
description (the same stemmer, from the `snowballstemmer` package), and every
SQLite connection gets `word_similarity()` and `word_similar()` (pg_trgm's `<%`),
ports of pg_trgm's. A query matches when every word's stem is in the document,
or when its word similarity to the name reaches pg_trgm's threshold. Unlike
websearch syntax, quotes, `or` and a leading `-` are not operators on SQLite:
they are words, or nothing.
"""

import re
import threading
from functools import lru_cache

import snowballstemmer
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Left

from catalog.models import PRODUCT_DESCRIPTION_MAX_LENGTH

SEARCH_CONFIG = "indonesian"
# pg_trgm.word_similarity_threshold's default, which `%>` compares with on PostgreSQL.
WORD_SIMILARITY_THRESHOLD = 0.6
# Words as PostgreSQL's parser and pg_trgm see them: runs of letters and digits.
WORD = re.compile(r"[^\W_]+")
NAME_WEIGHT, DESCRIPTION_WEIGHT = "A", "B"


def product_search(products: QuerySet, q: str) -> QuerySet:
    """Products matching `q`, annotated with `relevance` (higher is better)."""
    q = q.strip()
    if connection.vendor == "postgresql":
        return _postgresql_search(products, q)
    return _sqlite_search(products, q)


def product_search_refresh(products: QuerySet) -> None:
    """Rebuild the search document of these products (names weigh more than descriptions)."""
    # Left(): a description written before the length bound still indexes.
    description = Left("description", PRODUCT_DESCRIPTION_MAX_LENGTH)
    if connection.vendor == "postgresql":
        products.update(
            search_vector=SearchVector("name", weight=NAME_WEIGHT, config=SEARCH_CONFIG)
            + SearchVector(description, weight=DESCRIPTION_WEIGHT, config=SEARCH_CONFIG)
        )
    else:
        products.update(search_document=ToSearchDocument("name", description))


def _postgresql_search(products: QuerySet, q: str) -> QuerySet:
    query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
    return products.filter(Q(search_vector=query) | Q(name__trigram_word_similar=q)).annotate(
        # Word similarity only for typo matches (it is costly per row); a full-text
        # hit scores 1 there, so it ranks above any match by typo alone.
        relevance=SearchRank(F("search_vector"), query)
        + Case(
            When(search_vector=query, then=Value(1.0)),
            default=TrigramWordSimilarity(q, "name"),
            output_field=FloatField(),
        )
    )


def _sqlite_search(products: QuerySet, q: str) -> QuerySet:
    stems = list(dict.fromkeys(search_stems(q)))
    if stems:
        full_text = Q(*(Q(search_document__contains=f" {stem}:") for stem in stems))
        in_name = [
            Case(
                When(search_document__contains=f" {stem}:{NAME_WEIGHT} ", then=Value(1.0)),
                default=Value(0.0),
            )
            for stem in stems
        ]
        # Between 0 and 1, as PostgreSQL's rank: the share of the words found in the name.
        name_share = sum(in_name, Value(0.0)) / Value(float(len(stems)))
    else:  # nothing to look for, as PostgreSQL's empty tsquery
        full_text, name_share = Q(pk__in=[]), Value(0.0)
    return products.filter(full_text | WordSimilar(q, "name")).annotate(
        relevance=Case(
            When(full_text, then=Value(1.0) + name_share),
            default=TrigramWordSimilarity(q, "name"),  # our word_similarity() on SQLite
            output_field=FloatField(),
        )
    )


# ---------------------------------------------------------------- SQLite's missing pieces


class ToSearchDocument(Func):
    """SQLite's stand-in for to_tsvector(): see search_document()."""

    function = "to_search_document"
    output_field = TextField()


class WordSimilar(Func):
    """SQLite's stand-in for pg_trgm's `string <% expression`: see word_similar()."""

    function = "word_similar"
    output_field = BooleanField()

    def __init__(self, string: str, expression: str, **extra):
        super().__init__(Value(string), expression, **extra)


_stemmers = threading.local()  # a Snowball stemmer keeps its word in itself: one per thread


def search_stems(text: str) -> list[str]:
    """The Snowball Indonesian stems of the words of `text`, lower-cased, in order."""
    if not hasattr(_stemmers, "indonesian"):
        _stemmers.indonesian = snowballstemmer.stemmer("indonesian")
    return _stemmers.indonesian.stemWords(WORD.findall(text.lower()))


def search_document(name: str | None, description: str | None) -> str:
    """`' kopi:A bubuk:A sanggau:B '`: each stem once, weighted A if the name has it, else B."""
    weights: dict[str, str] = {}
    for text, weight in ((name, NAME_WEIGHT), (description, DESCRIPTION_WEIGHT)):
        for stem in search_stems(text or ""):
            weights.setdefault(stem, weight)
    if not weights:
        return ""
    return " " + " ".join(f"{stem}:{weight}" for stem, weight in weights.items()) + " "


def trigrams(text: str) -> list[str]:
    """pg_trgm's trigrams of `text` in order: of each lower-cased word padded `'  word '`."""
    found = []
    for word in WORD.findall(text.lower()):
        padded = f"  {word} "
        found.extend(padded[start : start + 3] for start in range(len(padded) - 2))
    return found


@lru_cache(maxsize=64)  # called once per row with the same query
def _trigram_set(text: str) -> frozenset[str]:
    return frozenset(trigrams(text))


def word_similarity(query: str | None, text: str | None) -> float | None:
    """pg_trgm's word_similarity(query, text), ported from its iterate_word_similarity().

    The greatest similarity between the trigrams of `query` and those of a
    contiguous extent of `text`: shared / (query's + extent's - shared), the
    extent grown over text's trigrams and its lower bound moved up, as pg_trgm
    does it (the same values as PostgreSQL's, to float precision).
    """
    if query is None or text is None:
        return None  # SQL's NULL in, NULL out, as a strict PostgreSQL function
    wanted = _trigram_set(query)
    if not wanted:
        return 0.0
    sequence = trigrams(text)

    def similarity(shared: int, extent: int) -> float:
        return shared / (len(wanted) + extent - shared)

    last_position: dict[str, int] = {}  # in the extent, per distinct trigram
    extent = shared = 0  # distinct trigrams in the extent, and those also in the query
    lower = -1  # the extent starts at the first trigram the query has
    best = 0.0
    for position, trigram in enumerate(sequence):
        if lower >= 0 or trigram in wanted:
            if trigram not in last_position:
                extent += 1
                shared += trigram in wanted
            last_position[trigram] = position
        if trigram not in wanted:
            continue
        if lower == -1:
            lower, extent = position, 1
        current = similarity(shared, extent)
        # Try each later lower bound of the extent, keeping the best.
        trial_shared, trial_extent, previous_lower = shared, extent, lower
        for trial_lower in range(lower, position + 1):
            trial = similarity(trial_shared, trial_extent)
            if trial > current:
                current, extent, lower, shared = trial, trial_extent, trial_lower, trial_shared
            dropped = sequence[trial_lower]
            if last_position.get(dropped) == trial_lower:
                trial_extent -= 1
                trial_shared -= dropped in wanted
        best = max(best, current)
        for dropped_position in range(previous_lower, lower):
            dropped = sequence[dropped_position]
            if last_position.get(dropped) == dropped_position:
                del last_position[dropped]
    return best


def word_similar(query: str | None, text: str | None) -> bool | None:
    """pg_trgm's `query <% text`: word_similarity() at least the threshold, rejecting early.

    The similarity of an extent is shared / (query's + extent's - shared), at most
    the share of the query's trigrams that text has anywhere: most texts fail that
    bound, and are refused without looking for the best extent.
    """
    if query is None or text is None:
        return None
    wanted = _trigram_set(query)
    if not wanted:
        return False
    # The padded words end to end: a query trigram is in it only where text has it.
    padded = "  " + "   ".join(WORD.findall(text.lower())) + " "
    present = sum(trigram in padded for trigram in wanted)
    if present / len(wanted) < WORD_SIMILARITY_THRESHOLD:
        return False
    return word_similarity(query, text) >= WORD_SIMILARITY_THRESHOLD


def sqlite_functions_register(sender, connection, **kwargs) -> None:
    """Give a new SQLite connection the search functions PostgreSQL has built in."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("word_similarity", 2, word_similarity, deterministic=True)
    connection.connection.create_function("word_similar", 2, word_similar, deterministic=True)
    connection.connection.create_function(
        "to_search_document", 2, search_document, deterministic=True
    )
