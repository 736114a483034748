"""Product search: one function, two backends, chosen by the database in use.

PostgreSQL: full-text search with the `indonesian` configuration (stems:
"menganyam" finds "anyaman"), ranked, plus trigram word similarity on names so
small typos still find ("kopii" finds "Kopi"). SQLite: case-insensitive matching.
"""

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Left

from catalog.models import PRODUCT_DESCRIPTION_MAX_LENGTH

SEARCH_CONFIG = "indonesian"


def product_search(products: QuerySet, q: str) -> QuerySet:
    """Products matching `q`, annotated with `relevance` (higher is better)."""
    q = q.strip()
    if connection.vendor != "postgresql":
        return products.filter(Q(name__icontains=q) | Q(description__icontains=q)).annotate(
            relevance=Case(When(name__icontains=q, then=Value(1.0)), default=Value(0.0),
                           output_field=FloatField())
        )
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


def product_search_refresh(products: QuerySet) -> None:
    """Rebuild the full-text document of these products (names weigh more than descriptions)."""
    if connection.vendor != "postgresql":
        return
    products.update(
        search_vector=SearchVector("name", weight="A", config=SEARCH_CONFIG)
        # Left(): a description written before the length bound still indexes.
        + SearchVector(Left("description", PRODUCT_DESCRIPTION_MAX_LENGTH), weight="B",
                       config=SEARCH_CONFIG)
    )
