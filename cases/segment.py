"""Chinese word segmentation for the case search: rjieba (Rust) when installed, jieba otherwise,
both taught the domain words of dictionary.txt. Text is indexed in search mode, so a compound is
kept and its finer words too (共享用工 → 共享 用工 共享用工): a search for 用工 finds it."""

import re
from functools import lru_cache
from pathlib import Path

DICTIONARY = Path(__file__).with_name("dictionary.txt")
WORD = re.compile(r"[\w]", re.UNICODE)


def domain_words() -> list[tuple[str, int]]:
    words = []
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not line.startswith("#"):
            words.append((parts[0], int(parts[1]) if len(parts) > 1 else 10000))
    return words


@lru_cache(maxsize=1)
def _engine():
    try:
        import rjieba

        for word, freq in domain_words():
            rjieba.add_word(word, freq, None)
        return "rjieba", rjieba
    except (ImportError, TypeError, AttributeError):
        import jieba

        jieba.setLogLevel(60)
        jieba.load_userdict(str(DICTIONARY))
        return "jieba", jieba


def engine_name() -> str:
    return _engine()[0]


def words(text: str) -> list[str]:
    """The words of `text` in search mode (compounds and their parts), lower-cased, without
    punctuation, in order, repeats kept."""
    if not text:
        return []
    _name, module = _engine()
    return [w.strip().lower() for w in module.cut_for_search(text) if WORD.search(w)]


def query_words(text: str) -> list[str]:
    """The distinct words to look for: the search-mode cut of the query."""
    seen: dict[str, None] = {}
    for word in words(text):
        seen.setdefault(word, None)
    return list(seen)
