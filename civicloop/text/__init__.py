"""Offline language tools: PII redaction, sentence vectors, themes, sentiment.

Pure library: no Django, no other civicloop app. Public API (stable):

- `redact(text, language=None) -> RedactionResult(text, counts)`
- `embed(texts, *, languages=None, backend="auto") -> np.ndarray` (rows L2-normalised)
- `find_themes(texts, languages=None, edits=None, *, ids=None) -> ThemeResult`
  with `ThemeResult(themes=[Theme(id, label, size, quotes, keywords, pinned)], assignments, keys)`
  and `ThemeEdits` (accept, rename, merge, split, reassign; `to_dict`/`from_dict`)
- `sentiment(text, language=None) -> Sentiment(score, label)`
"""

from civicloop.text.redact import PII_TYPES, RedactionResult, find_pii, redact
from civicloop.text.sentiment import Sentiment, sentiment
from civicloop.text.themes import Theme, ThemeEdits, ThemeResult, find_themes
from civicloop.text.vectors import embed, model_available

__all__ = [
    "PII_TYPES",
    "RedactionResult",
    "Sentiment",
    "Theme",
    "ThemeEdits",
    "ThemeResult",
    "embed",
    "find_pii",
    "find_themes",
    "model_available",
    "redact",
    "sentiment",
]
