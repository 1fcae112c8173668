"""Exercises for notebook 01, language models: chain rule, perplexity, sampling, smoothing.

Used by notebooks/01_language_models.ipynb. The keys are in answers/nb01.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from helpers.exercises import Exercise, as_float

# --- q1: the chain rule -----------------------------------------------------------------

_CHAIN_RULE_STEPS = {"P(h | ¶)": 0.2, "P(i | h)": 0.5, "P(¶ | i)": 0.4}  # ¶ = start or end


def _diagnose_chain_rule(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number, e.g. 0.123."
    if math.isclose(value, sum(_CHAIN_RULE_STEPS.values()), rel_tol=1e-3):
        return "You added the conditional probabilities; the chain rule multiplies them."
    if math.isclose(value, 0.2 * 0.5, rel_tol=1e-3):
        return (
            "Do not forget the last factor: the model must also predict the end of the text "
            "(the closing ¶)."
        )
    return None


q1 = Exercise(
    name="nb01.q1",
    question=(
        "A character bigram model, with ¶ marking the start and the end of a text, gives "
        "P(h | ¶) = 0.2, P(i | h) = 0.5 and P(¶ | i) = 0.4. What probability does it give "
        "to the whole text 'hi'?"
    ),
    hints=(
        "Write the text as the model sees it, ¶ h i ¶, and list the symbols the model has to "
        "predict one after the other. How does the chain rule combine their probabilities?",
        "The model makes three predictions, not two: after i it must still predict the "
        "closing ¶. Section 1's chain-rule formula says how the three conditional "
        "probabilities combine into the probability of the whole text.",
    ),
    starter="answer = None  # your code here\nnb01.q1.check(answer)",
    diagnose=_diagnose_chain_rule,
)

# --- q2: perplexity of a uniform model --------------------------------------------------

_WORDPIECE_VOCABULARY_SIZE = 30_522


def _diagnose_uniform(answer: Any) -> str | None:
    value = as_float(answer)
    if value is None:
        return "Give a single number."
    if math.isclose(value, math.log(_WORDPIECE_VOCABULARY_SIZE), rel_tol=1e-3):
        return "That is the cross-entropy in nats. Perplexity is exp(cross-entropy)."
    if math.isclose(value, math.log2(_WORDPIECE_VOCABULARY_SIZE), rel_tol=1e-3):
        return (
            "That is the cross-entropy in bits (log base 2); this exercise, like section 6, "
            "uses natural logs. Perplexity does not depend on the base: it is 2 to the power of "
            "the bits, or exp of the nats."
        )
    if math.isclose(value, 1 / _WORDPIECE_VOCABULARY_SIZE, rel_tol=1e-3):
        return "That is the probability of one token. Perplexity is exp(-mean log-probability)."
    return None


q2 = Exercise(
    name="nb01.q2",
    question=(
        "A model that knows nothing gives each of the 30,522 WordPiece tokens the same "
        "probability at every step. What is its perplexity per token? (Perplexity is always "
        "per some unit: this one is per WordPiece token, section 6's per character.)"
    ),
    hints=(
        "Start from the definition: perplexity is exp of the average negative log-probability "
        "per predicted token. What probability does this model give to every token?",
        "Every token gets probability 1/V with V = 30,522, whatever the text, so the average "
        "in the definition is an average of one value repeated: -log(1/V). Simplify that "
        "value with the rules of logarithms before you go on.",
    ),
    starter="answer = None  # your code here\nnb01.q2.check(answer)",
    diagnose=_diagnose_uniform,
)

# --- q3: temperature towards zero -------------------------------------------------------

_TEMPERATURE_LOGITS = torch.tensor([2.0, 1.0, 0.5, 2.5])


def _diagnose_temperature(answer: Any) -> str | None:
    values = torch.as_tensor(answer, dtype=torch.float32)
    if values.shape != _TEMPERATURE_LOGITS.shape:
        return "Give four probabilities, one per logit, e.g. [0.1, 0.2, 0.3, 0.4]."
    if torch.allclose(values, torch.full((4,), 0.25), atol=1e-3):
        return "A uniform distribution is what you get as the temperature goes to infinity."
    if torch.allclose(values, torch.softmax(_TEMPERATURE_LOGITS, dim=0), atol=1e-3):
        return "That is the distribution at temperature 1. Divide the logits by a tiny T first."
    return None


q3 = Exercise(
    name="nb01.q3",
    question=(
        "Sampling uses softmax(logits / T). For logits [2.0, 1.0, 0.5, 2.5], which "
        "distribution does it approach as the temperature T goes to 0? Answer with four "
        "probabilities."
    ),
    hints=(
        "Compute softmax(logits / T) for a few temperatures going down, say 1, 0.1 and 0.01, "
        "and watch where the probability goes.",
        "Dividing by a tiny T multiplies every gap between two logits by a huge number, and "
        "softmax turns a huge gap into near-certainty. Which logit wins every comparison?",
    ),
    starter=(
        "logits = torch.tensor([2.0, 1.0, 0.5, 2.5])\n"
        "answer = None  # your code here: four probabilities\n"
        "nb01.q3.check(answer)"
    ),
    diagnose=_diagnose_temperature,
)

# --- q4: add-k smoothing ----------------------------------------------------------------

_SMOOTHING_COUNTS = torch.tensor([8.0, 2.0, 0.0, 0.0])


def _diagnose_smoothing(answer: Any) -> str | None:
    values = torch.as_tensor(answer, dtype=torch.float32).flatten()  # a (1, 4) table is fine
    if values.shape != _SMOOTHING_COUNTS.shape:
        return "Give four probabilities, one per next symbol."
    if not torch.isclose(values.sum(), torch.tensor(1.0), atol=1e-3):
        return (
            "Your numbers do not sum to 1. Adding k to each of the V counts adds k * V to "
            "the total, so the denominator grows too."
        )
    if torch.allclose(values, _SMOOTHING_COUNTS / _SMOOTHING_COUNTS.sum(), atol=1e-3):
        return "That is the unsmoothed estimate: the unseen symbols still get probability 0."
    return None


q4 = Exercise(
    name="nb01.q4",
    question=(
        "After the character 'q', a training set shows the next symbols u, a, x, ¶ with "
        "counts [8, 2, 0, 0]. With add-k smoothing and k = 1 over these V = 4 symbols, what "
        "are the four smoothed probabilities? (A list, or a tensor of 4 numbers of any shape, "
        "such as one row of bigram_probabilities.)"
    ),
    hints=(
        "Add-k pretends every one of the V possible next symbols was seen k more times. What "
        "do the four counts become, and what does their total become?",
        "Section 4's formula: each probability is (count + k) divided by (the sum of the counts "
        "+ k * V). The four results must sum to 1.",
    ),
    starter="answer = None  # your code here: four probabilities\nnb01.q4.check(answer)",
    diagnose=_diagnose_smoothing,
)

# --- q5: perplexity as a function ---------------------------------------------------------


def _perplexity_form(answer: Callable[[list[float]], Any]) -> str | None:
    result = answer([0.5, 0.5])
    if result is None:
        return "your function returns None: write its body, and return the perplexity."
    if as_float(result) is None:
        return "return a single number (a float), the perplexity."
    return None


q5 = Exercise(
    name="nb01.q5",
    kind="function",
    points=2,
    question=(
        "Write perplexity(probabilities) that takes the probabilities a model gave to each "
        "symbol of a held-out text, in order (a list of floats in [0, 1], at least one), and "
        "returns the model's perplexity on that text as a float. A text in which some symbol "
        "got probability 0 has perplexity inf. Pass the function itself."
    ),
    hints=(
        "Section 6 defines perplexity through the average negative log-likelihood, not "
        "through the product of the probabilities. Why does that matter for a long text?",
        "Multiplying a thousand probabilities of 1e-5 gives 0.0 in floating point, and 0.0 to "
        "any power stays useless; sum logs instead. math.log(0) raises an error, so treat a "
        "zero before taking logs.",
    ),
    starter=(
        "def perplexity(probabilities: list[float]) -> float:\n"
        "    return None  # your code here\n\n\n"
        "nb01.q5.check(perplexity)"
    ),
    diagnose=_perplexity_form,
)

# --- q6: a bigram interpolated with a unigram ---------------------------------------------


def _interpolation_form(answer: Callable[[torch.Tensor, float], Any]) -> str | None:
    result = answer(torch.tensor([[1.0, 1.0], [2.0, 0.0]]), 0.5)
    if result is None:
        return "your function returns None: write its body, and return the (V, V) table."
    if not isinstance(result, torch.Tensor) or result.shape != (2, 2):
        return "return a tensor of the same shape as counts: one row per previous symbol."
    return None


q6 = Exercise(
    name="nb01.q6",
    kind="function",
    points=2,
    question=(
        "Smoothing by interpolation: instead of adding k, mix the bigram estimate with the "
        "unigram one. Write interpolate(counts, weight) for a (V, V) tensor of bigram counts "
        "(row: previous symbol, column: next). It returns the (V, V) table "
        "P(b | a) = weight * C(a, b) / sum_b' C(a, b') + (1 - weight) * U(b), where "
        "U(b) = (how often b is a next symbol) / (number of pairs) is the unigram "
        "distribution. For a previous symbol a that was never seen (a row of zeros), row a is "
        "U itself. Pass the function itself."
    ),
    hints=(
        "Build the two tables separately: the bigram rows (each row's counts divided by its "
        "total) and the unigram distribution U (one number per column). Then mix them. What "
        "happens to a row whose total is 0?",
        "U comes from the column sums of counts divided by the sum of all counts. A row total "
        "of 0 would divide by zero: compute the bigram rows only where the total is positive, "
        "and use U for the other rows (torch.where works row by row with a (V, 1) condition).",
    ),
    starter=(
        "def interpolate(counts: torch.Tensor, weight: float) -> torch.Tensor:\n"
        "    return None  # your code here: a (V, V) table whose rows sum to 1\n\n\n"
        "nb01.q6.check(interpolate)"
    ),
    diagnose=_interpolation_form,
)

# --- q7: choosing k (written) -------------------------------------------------------------

q7 = Exercise(
    name="nb01.q7",
    kind="written",
    points=2,
    min_words=40,
    question=(
        "Read section 4's printout of your run: the training and validation losses for each k. "
        "Which k gives the lowest validation loss? How many validation pairs were never seen in "
        "training, and why is the validation loss at k = 0 infinite (or, if it is not in your "
        "run, when would it be)? The notebook keeps k = 1 "
        "although a smaller k does better on validation: what would go wrong if it picked the "
        "best k on the validation pairs and then reported the validation perplexity of "
        "section 6 as the model's quality?"
    ),
    hints=(
        "Quote your own numbers. For k = 0, look at the line that counts validation pairs "
        "never seen in training: what is log 0?",
        "A score measures new data only if nothing was chosen by looking at it. If k is chosen "
        "on the validation pairs, which number is then no longer an honest estimate, and what "
        "would you need to report an honest one?",
    ),
    starter="answer = None  # your explanation, as text between quotes\nnb01.q7.check(answer)",
)
