"""Offline sentiment for English and Spanish: a domain lexicon with negation and intensifiers.

The rules follow VADER (Hutto & Gilbert 2014): a word's valence flips and shrinks (x -0.74)
when one of the three words before it negates it, grows by 0.293 after an intensifier, words
after "but"/"pero" weigh 1.5x and those before 0.5x, exclamation marks add emphasis, and the
sum s is normalised to s / sqrt(s^2 + 15), which lies in (-1, 1). A lexicon was chosen over
the embedding model plus a seed set because it is auditable (a person can read why a comment
scored negative), deterministic, needs no labelled data and scores 100,000 comments in
seconds; it misses sarcasm and words outside its lists (see docs/text/README.md).

Two rules for plain complaints, which name no feeling ("the letter arrived after the deadline
had passed"): the lexicons hold phrases of several words ("after the deadline", "on hold",
"sin explicación"), matched longest first and scored as one word at their first word; and a
service outcome that did not happen ("never received", "not collected", "nadie contestó") is
negative: an outcome verb in `_OUTCOMES` scores -1.5 when a negator is among the three words
before it, and 0 otherwise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

NEGATION_SCALAR = -0.74
BOOST = 0.293
ALPHA = 15.0
THRESHOLD = 0.05

_NEGATORS = frozenset(
    "not no never none nobody nothing neither nor cannot without hardly isnt wasnt dont doesnt "
    "didnt cant couldnt wont wouldnt aint nunca jamás jamas ni tampoco nada nadie sin ningún "
    "ninguna ninguno".split()
)
_BOOSTERS = frozenset(
    "very really extremely so too incredibly totally absolutely completely quite super "
    "muy súper super realmente bastante demasiado totalmente absolutamente increíblemente "
    "tan sumamente".split()
)
# What a service is expected to do: negated ("nobody answered"), it is a complaint.
_OUTCOMES = frozenset(
    "receive received arrive arrived arrives come came comes answer answered answers collected "
    "collect picked picks turn turned reply replied replies understand understood explain "
    "explained log accept accepted available work worked working sent tell told "
    "recibí recibido recibimos llegó llegaron llega vino vinieron contestó contesta contestan "
    "coge cogen recogieron recogen recogido entendí entiendo explicó explican pude puedo "
    "aceptaba acepta aceptó disponible disponibles funcionó envió enviaron sabe dicen dijo".split()
)
NEGATED_OUTCOME = -1.5
_MAX_PHRASE = 4
_CONTRAST = frozenset({"but", "however", "pero", "aunque", "sinembargo"})
_WORD_RE = re.compile(r"[^\W\d_]+(?:n't|'t)?")


@dataclass(frozen=True)
class Sentiment:
    score: float  # in [-1, 1]
    label: str  # "positive", "negative" or "neutral"


@lru_cache(maxsize=4)
def _lexicon(language: str) -> dict[str, float]:
    """Words and phrases (space-separated words) with their valence."""
    text = resources.files("civicloop.text").joinpath("data", f"sentiment_{language}.txt")
    lexicon = {}
    for line in text.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, value = line.split("\t")
            lexicon[word] = float(value)
    return lexicon


def _lexicon_for(language: str | None) -> dict[str, float]:
    base = (language or "").lower()[:2]
    if base in ("en", "es"):
        return _lexicon(base)
    return {**_lexicon("es"), **_lexicon("en")}


def _phrases(words: list[str], lexicon: dict[str, float]) -> dict[int, tuple[float, int]]:
    """Phrases of the lexicon in the words, longest first: start -> (valence, end)."""
    found: dict[int, tuple[float, int]] = {}
    i = 0
    while i < len(words):
        for size in range(min(_MAX_PHRASE, len(words) - i), 1, -1):
            value = lexicon.get(" ".join(words[i : i + size]))
            if value is not None:
                found[i] = (value, i + size)
                i += size - 1
                break
        i += 1
    return found


def sentiment(text: str | None, language: str | None = None) -> Sentiment:
    """Score in [-1, 1] and a label (|score| < 0.05 is neutral) for one comment."""
    if not text:
        return Sentiment(0.0, "neutral")
    lexicon = _lexicon_for(language)
    words = [w.replace("'", "").replace("’", "") for w in _WORD_RE.findall(text.lower())]
    phrases = _phrases(words, lexicon)
    valences = []
    contrast_at = None
    covered = 0  # words up to here belong to a phrase already scored
    for i, word in enumerate(words):
        if word in _CONTRAST:
            contrast_at = i
        window = words[max(0, i - 3) : i]
        negated = any(w in _NEGATORS for w in window)
        value: float | None
        if i in phrases:
            value, covered = phrases[i]
        elif i < covered:
            valences.append(0.0)
            continue
        elif word in _OUTCOMES and word not in lexicon:
            valences.append(NEGATED_OUTCOME if negated else 0.0)
            continue
        else:
            value = lexicon.get(word)
        if value is None:
            valences.append(0.0)
            continue
        if value and i > 0 and words[i - 1] in _BOOSTERS:
            value += math.copysign(BOOST, value)
        if negated and i not in phrases:
            value *= NEGATION_SCALAR
        valences.append(value)
    if contrast_at is not None:
        valences = [
            v * (0.5 if i < contrast_at else 1.5 if i > contrast_at else 1.0)
            for i, v in enumerate(valences)
        ]
    total = sum(valences)
    if total:
        total += math.copysign(min(text.count("!"), 4) * 0.292, total)
    score = total / math.sqrt(total * total + ALPHA)
    label = "positive" if score >= THRESHOLD else "negative" if score <= -THRESHOLD else "neutral"
    return Sentiment(round(score, 4), label)
