"""What the queue's search box means, beyond PostgreSQL's websearch_to_tsquery.

The case's search_vector mixes two configurations (see migration cases/0003): tags and actor in
`simple`, texts in `english`. A query is therefore run in both and OR'ed, which loses an
exclusion: `distillation -proxy` in `simple` asks for no "proxy" in the tags and matches a case
whose summary says "proxies". Exclusions are applied on their own, in both configurations.

File names are indexed whole and with their punctuation turned to spaces; the parser keeps a
hyphenated query word (`api-gateway`) as one compound the vector may not hold, so a word joined
by - _ or . is also searched as the phrase of its parts."""

import re

from django.contrib.postgres.search import SearchQuery

TOKENS = re.compile(r'-?"[^"]*"|\S+')
JOINER = re.compile(r"(?<=[^\W_])[-_.](?=[^\W_])")


def websearch(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config="english") | SearchQuery(
        text, search_type="websearch", config="simple"
    )


def excluded_terms(text: str) -> list[str]:
    """The words and phrases the query excludes (`-word`, `-"a phrase"`)."""
    return [t[1:] for t in TOKENS.findall(text) if len(t) > 1 and t.startswith("-")]


def joined_as_phrases(text: str) -> str:
    """The query with each joined word (`api-gateway`) as the phrase of its parts."""
    return " ".join(
        f'"{JOINER.sub(" ", t)}"' if not t.startswith(('"', "-")) and JOINER.search(t) else t
        for t in TOKENS.findall(text)
    )


def search_query(text: str) -> SearchQuery:
    query = websearch(text)
    phrased = joined_as_phrases(text)
    if phrased != text:
        query |= websearch(phrased)
    return query
