"""Each notebook-00 exercise accepts a right answer and refuses a wrong one."""

from __future__ import annotations

from helpers.data import load_sample
from helpers.exercises import nb00


def test_q1_training_reviews():
    splits = load_sample()
    assert nb00.q1.check(len(splits.train))
    assert nb00.q1.check(1218)
    wrong = nb00.q1.check(1700)
    assert not wrong and "all the reviews" in wrong.message
    assert not nb00.q1.check(241)


def test_q2_precision_on_a_t4():
    assert nb00.q2.check("fp16")
    assert nb00.q2.check("float16")
    wrong = nb00.q2.check("bf16")
    assert not wrong and "7.5" in wrong.message
    assert not nb00.q2.check("fp32")


def test_q3_share_of_hard_cases():
    splits = load_sample()
    tags = [
        tag
        for split in (splits.train, splits.validation, splits.test)
        for tag in split.extra["hard_case"]
    ]
    assert nb00.q3.check(sum(tag != "none" for tag in tags) / len(tags))
    assert nb00.q3.check(601 / 1700)
    wrong = nb00.q3.check(100 * 601 / 1700)
    assert not wrong and "percentage" in wrong.message
    wrong = nb00.q3.check(487 / 1218)
    assert not wrong and "training split only" in wrong.message


def test_q4_validation_split():
    assert nb00.q4.check("validation")
    assert nb00.q4.check("Dev")
    wrong = nb00.q4.check("test")
    assert not wrong and "once" in wrong.message
