"""The training loop: it matches a plain PyTorch loop, resumes exactly, and refuses wrong checkpoints."""

import json
from dataclasses import asdict

import pytest
import torch
from transformers import get_linear_schedule_with_warmup

from helpers.checkpoints import CheckpointError, latest_checkpoint
from helpers.data import LengthGroupedBatches, SentimentDataset, load_dataset_splits, make_collate
from helpers.history import History
from helpers.settings import TrainConfig
from helpers.training import make_optimizer, train_classifier


class Crash(RuntimeError):
    """Raised from the on_step hook to interrupt a run at a chosen step."""


def crash_at(step: int):
    """Return an on_step hook that raises Crash at optimizer step `step`."""

    def on_step(global_step: int) -> None:
        if global_step >= step:
            raise Crash(f"stopped after {global_step} steps")

    return on_step


@pytest.fixture(scope="module")
def datasets(tokenizer):
    splits = load_dataset_splits("sample", max_train_examples=96)
    train = SentimentDataset.from_split(splits.train, tokenizer, max_length=48)
    validation = SentimentDataset.from_split(splits.validation, tokenizer, max_length=48)
    return train, validation


def quick_config(**changes) -> TrainConfig:
    settings = dict(epochs=2, batch_size=16, learning_rate=1e-3, progress=False, precision="fp32")
    settings.update(changes)
    return TrainConfig(**settings)


def test_loop_matches_a_plain_pytorch_loop(tiny_model, tokenizer, datasets):
    """Same batches, AdamW, warmup-then-linear schedule and clipping, written out by hand."""
    train, validation = datasets
    reference = type(tiny_model)(tiny_model.config)
    reference.load_state_dict(tiny_model.state_dict())
    config = quick_config(early_stopping_patience=0, restore_best=False)
    train_classifier(tiny_model, tokenizer, train, validation, config)

    torch.manual_seed(config.seed)  # dropout draws in the same order as in the course's loop
    sampler = LengthGroupedBatches(train.lengths, config.batch_size, config.seed)
    collate = make_collate(tokenizer)
    optimizer = make_optimizer(reference, config)
    total = len(sampler) * config.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, round(0.1 * total), total)
    reference.train()
    for epoch in range(config.epochs):
        sampler.start_epoch(epoch)
        for indices in sampler:
            batch = collate([train[i] for i in indices])
            loss = reference(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(reference.parameters(), config.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
    for (name, ours), theirs in zip(
        tiny_model.state_dict().items(), reference.state_dict().values(), strict=True
    ):
        assert torch.allclose(ours, theirs, atol=1e-5), name


def test_history_and_measurements(tiny_model, tokenizer, datasets):
    train, validation = datasets
    result = train_classifier(tiny_model, tokenizer, train, validation, quick_config())
    assert [record.epoch for record in result.history.epochs] == [1, 2]
    assert result.optimizer_steps == 2 * 6 and result.history.steps[-1] == 12
    assert result.train_tokens == 2 * sum(train.lengths)  # non-padding tokens only
    assert result.train_seconds > 0 and result.tokens_per_second > 0
    first, last = result.history.step_losses[0], result.history.step_losses[-1]
    assert last < first  # it learns something


def test_gradient_accumulation_counts_optimizer_steps(tiny_model, tokenizer, datasets):
    train, validation = datasets
    config = quick_config(epochs=1, batch_size=8, gradient_accumulation_steps=2)
    result = train_classifier(tiny_model, tokenizer, train, validation, config)
    assert result.optimizer_steps == 6


def run_to_the_end(model_factory, tokenizer, datasets, output, on_step=None, **changes):
    train, validation = datasets
    model = model_factory()
    config = quick_config(output_dir=str(output), **changes)
    result = train_classifier(model, tokenizer, train, validation, config, on_step=on_step)
    return model, result


def test_resume_mid_epoch_ends_like_an_uninterrupted_run(tiny_model, tokenizer, datasets, tmp_path):
    initial = {name: tensor.clone() for name, tensor in tiny_model.state_dict().items()}

    def fresh():
        model = type(tiny_model)(tiny_model.config)
        model.load_state_dict(initial)
        return model

    settings = dict(epochs=3, checkpoint_every_steps=4, early_stopping_patience=0)
    whole_model, whole = run_to_the_end(fresh, tokenizer, datasets, tmp_path / "whole", **settings)

    # Crash at step 10 (mid-epoch 2, two steps after the checkpoint at step 8) ...
    with pytest.raises(Crash):
        run_to_the_end(
            fresh, tokenizer, datasets, tmp_path / "resumed", on_step=crash_at(10), **settings
        )
    checkpoint = latest_checkpoint(tmp_path / "resumed" / "checkpoints")
    progress = json.loads((checkpoint / "state.json").read_text())["training"]["progress"]
    assert (progress["global_step"], progress["epoch"], progress["batches_done"]) == (8, 1, 2)
    # ... then resume: a new process would start from a fresh model, as here.
    resumed_model, resumed = run_to_the_end(
        fresh, tokenizer, datasets, tmp_path / "resumed", resume=True, **settings
    )
    assert [r.validation_accuracy for r in resumed.history.epochs] == [
        r.validation_accuracy for r in whole.history.epochs
    ]
    assert resumed.history.step_losses == pytest.approx(whole.history.step_losses, abs=1e-6)
    assert resumed.train_tokens == whole.train_tokens
    for (name, a), b in zip(
        whole_model.state_dict().items(), resumed_model.state_dict().values(), strict=True
    ):
        assert torch.allclose(a, b, atol=1e-6), name


def test_checkpoints_are_complete_and_old_ones_pruned(tiny_model, tokenizer, datasets, tmp_path):
    run_to_the_end(lambda: tiny_model, tokenizer, datasets, tmp_path, checkpoint_every_steps=2)
    root = tmp_path / "checkpoints"
    # Written: steps 2, 4, 6, 6 (the epoch's end), 8, 10, 12, 12. Kept: the newest two steps, each
    # epoch's end replacing the step checkpoint of its count; nothing left of the writes.
    names = sorted(path.name for path in root.iterdir())
    assert names == ["best", "latest.txt", "step-00000010-0006", "step-00000012-0008"]
    latest = latest_checkpoint(root)
    assert latest.name == "step-00000012-0008" == (root / "latest.txt").read_text()
    assert {p.name for p in latest.iterdir()} == {
        "model.safetensors",
        "optimizer.safetensors",
        "rng.safetensors",
        "state.json",
        "manifest.json",
    }
    progress = json.loads((latest / "state.json").read_text())["training"]["progress"]
    assert (progress["epoch"], progress["batches_done"]) == (2, 0)  # the end of the last epoch
    assert {p.name for p in (root / "best").iterdir()} == {"model.safetensors"}
    assert not list(root.rglob("*.pt")) and not list(root.rglob("*.bin"))  # no pickles


def test_a_checkpoint_from_another_model_is_refused(tiny_model, tokenizer, datasets, tmp_path):
    run_to_the_end(lambda: tiny_model, tokenizer, datasets, tmp_path, epochs=1)
    bigger = tiny_model.config.__class__(
        **{**tiny_model.config.to_dict(), "hidden_size": 64, "intermediate_size": 128}
    )
    other = type(tiny_model)(bigger)
    with pytest.raises(CheckpointError, match="different model") as caught:
        run_to_the_end(lambda: other, tokenizer, datasets, tmp_path, resume=True)
    assert str(tmp_path) in str(caught.value) and "--output" in str(caught.value)


def test_resuming_with_another_batch_size_is_refused(tiny_model, tokenizer, datasets, tmp_path):
    run_to_the_end(lambda: tiny_model, tokenizer, datasets, tmp_path, epochs=1)
    with pytest.raises(CheckpointError, match="batch_size was 16, now 8"):
        run_to_the_end(
            lambda: tiny_model, tokenizer, datasets, tmp_path, epochs=1, batch_size=8, resume=True
        )


def test_resuming_with_another_learning_rate_is_refused(tiny_model, tokenizer, datasets, tmp_path):
    """The optimizer comes back as saved: a new learning rate would be ignored silently."""
    run_to_the_end(lambda: tiny_model, tokenizer, datasets, tmp_path, epochs=1)
    with pytest.raises(CheckpointError, match="learning_rate was 0.001, now 0.0005"):
        run_to_the_end(
            lambda: tiny_model,
            tokenizer,
            datasets,
            tmp_path,
            epochs=1,
            learning_rate=5e-4,
            resume=True,
        )


def test_early_stopping_restores_the_best_epoch(tiny_model, tokenizer, datasets):
    train, validation = datasets
    # A learning rate this high wrecks the model after a while: early stopping must notice.
    config = quick_config(
        epochs=6, learning_rate=0.05, early_stopping_patience=1, warmup_fraction=0.0
    )
    result = train_classifier(tiny_model, tokenizer, train, validation, config)
    history = result.history
    best = history.best_epoch()
    if result.stopped_early:
        assert len(history.epochs) == best.epoch + 1
    from helpers.data import make_loader
    from helpers.evaluation import evaluate

    rescored = evaluate(tiny_model, make_loader(validation, tokenizer, 64))
    assert rescored.accuracy == pytest.approx(best.validation_accuracy)
    assert result.validation.accuracy == rescored.accuracy  # what the run reports is the model's
    assert result.validation.loss == pytest.approx(rescored.loss, abs=1e-6)


def test_early_stopping_stops_when_accuracy_stalls(tiny_model, tokenizer, datasets):
    train, validation = datasets
    config = quick_config(
        epochs=8, learning_rate=0.0, warmup_fraction=0.0, early_stopping_patience=2
    )
    result = train_classifier(tiny_model, tokenizer, train, validation, config)
    assert (
        result.stopped_early and len(result.history.epochs) == 3
    )  # best at 1, then 2 without gain


def test_a_stall_in_the_last_epoch_is_not_early_stopping(tiny_model, tokenizer, datasets):
    train, validation = datasets
    config = quick_config(
        epochs=3, learning_rate=0.0, warmup_fraction=0.0, early_stopping_patience=2
    )
    result = train_classifier(tiny_model, tokenizer, train, validation, config)
    assert len(result.history.epochs) == 3 and not result.stopped_early


def test_fp16_without_a_gpu_is_refused_clearly(tiny_model, tokenizer, datasets):
    train, validation = datasets
    with pytest.raises(ValueError, match="fp16 training needs a CUDA GPU"):
        train_classifier(tiny_model, tokenizer, train, validation, quick_config(precision="fp16"))


def test_history_round_trips_and_plots(tmp_path):
    history = History()
    for step in range(1, 5):
        history.log_step(step, 1.0 / step)
    from helpers.history import EpochRecord

    history.log_epoch(EpochRecord(1, 0.5, 0.6, 0.7, 0.65, 1.0))
    assert History.from_dict(json.loads(json.dumps(asdict(history)))) == history
    figure = history.plot()
    titles = [axes.get_title() for axes in figure.axes]
    assert titles == ["Loss during training", "Validation accuracy"]
    assert all(axes.get_xlabel() and axes.get_ylabel() for axes in figure.axes)
    assert history.save_plot(tmp_path / "curves.png").stat().st_size > 1000
