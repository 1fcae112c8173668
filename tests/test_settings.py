"""Settings live once: the command's flags come from the dataclasses, with the main job's defaults."""

import dataclasses

import pytest

from helpers.finetune import JobConfig, build_parser
from helpers.settings import MAIN_JOB, TrainConfig, from_flags


def parse(*flags: str):
    """Return (JobConfig, TrainConfig) for a command line."""
    args = build_parser().parse_args(list(flags))
    return from_flags(JobConfig, args), from_flags(TrainConfig, args)


def test_no_flags_give_the_main_job():
    job, config = parse()
    assert config == MAIN_JOB and job == JobConfig()
    assert (config.epochs, config.batch_size, config.learning_rate) == (4, 16, 1e-4)


def test_every_field_has_a_flag_with_help():
    actions = {action.dest: action for action in build_parser()._actions}
    for owner in (JobConfig, TrainConfig):
        for item in dataclasses.fields(owner):
            assert item.name in actions, item.name
            assert item.metadata["help"] and actions[item.name].help, item.name


@pytest.mark.parametrize(
    ("flags", "field", "value"),
    [
        (["--lr", "3e-5"], "learning_rate", 3e-5),
        (["--learning-rate", "3e-5"], "learning_rate", 3e-5),
        (["--output", "somewhere"], "output_dir", "somewhere"),
        (["--no-group-by-length"], "group_by_length", False),
        (["--no-progress"], "progress", False),
        (["--resume"], "resume", True),
        (["--checkpoint-every-steps", "50"], "checkpoint_every_steps", 50),
        (["--early-stopping-patience", "0"], "early_stopping_patience", 0),
        (["--precision", "bf16"], "precision", "bf16"),
    ],
)
def test_flags_set_their_field(flags, field, value):
    _, config = parse(*flags)
    assert getattr(config, field) == value
    assert config == dataclasses.replace(MAIN_JOB, **{field: value})  # and nothing else


def test_job_flags_set_the_data_and_model():
    job, _ = parse(
        "--model", "bert-base-uncased", "--max-train-examples", "50", "--max-length", "64"
    )
    assert (job.model, job.max_train_examples, job.max_length) == ("bert-base-uncased", 50, 64)


def test_a_bad_choice_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse("--precision", "fp8")
    assert "invalid choice: 'fp8'" in capsys.readouterr().err
