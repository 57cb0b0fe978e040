import math

import pytest

from civicloop.text.sentiment import sentiment

# Labelled by hand, independently of the lexicon values.
LABELLED = [
    ("The staff were very helpful, thank you!", "positive"),
    ("Great service, quick and easy.", "positive"),
    ("I love the new online form", "positive"),
    ("The bus was late again and the driver was rude", "negative"),
    ("The website kept crashing, terrible experience", "negative"),
    ("The form is not easy to use", "negative"),
    ("I did not like the new system", "negative"),
    ("The park is dirty and full of rubbish", "negative"),
    ("The office was good but the website is awful", "negative"),
    ("It was not bad at all", "positive"),
    ("El personal fue muy amable, gracias", "positive"),
    ("Un servicio excelente y rápido", "positive"),
    ("Me encantó la nueva web", "positive"),
    ("El autobús llegó tarde y el conductor fue grosero", "negative"),
    ("La web no funciona, es un desastre horrible", "negative"),
    ("El formulario no es fácil", "negative"),
    ("El parque está sucio y lleno de basura", "negative"),
    ("La oficina estaba bien pero la web es pésima", "negative"),
    ("No está mal", "positive"),
    ("I went to the office on Tuesday", "neutral"),
    ("Fui a la oficina el martes", "neutral"),
]


def test_hand_labelled_sentences():
    correct = sum(sentiment(text).label == label for text, label in LABELLED)
    assert correct / len(LABELLED) >= 0.9


@pytest.mark.parametrize(
    ("positive", "negated"),
    [("The service was good", "The service was not good"), ("Es fácil", "No es fácil")],
)
def test_negation_flips_the_sign(positive, negated):
    assert sentiment(positive).score > 0
    assert sentiment(negated).score < 0


def test_single_word_matches_the_vader_normalisation():
    # One lexicon word of valence v scores v / sqrt(v^2 + 15) (Hutto & Gilbert 2014).
    assert sentiment("good").score == pytest.approx(1.9 / math.sqrt(1.9**2 + 15), abs=1e-4)
    assert sentiment("terrible", "en").score == pytest.approx(
        -2.9 / math.sqrt(2.9**2 + 15), abs=1e-4
    )


def test_score_bounds_and_empty_text():
    long_rant = "terrible awful horrible worst useless " * 50
    assert -1.0 <= sentiment(long_rant).score < -0.99
    assert sentiment("").label == "neutral"
    assert sentiment(None).score == 0.0
