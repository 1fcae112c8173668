"""What happened during training: losses per step, metrics per epoch, and their plot.

Used by the training loop and notebooks 05 and 06.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt


@dataclass
class EpochRecord:
    """Metrics at the end of one epoch."""

    epoch: int
    train_loss: float
    validation_loss: float
    validation_accuracy: float
    validation_f1: float
    train_seconds: float


@dataclass
class History:
    """The training curve (step, loss) and one EpochRecord per epoch."""

    steps: list[int] = field(default_factory=list)
    step_losses: list[float] = field(default_factory=list)
    epochs: list[EpochRecord] = field(default_factory=list)

    def log_step(self, step: int, loss: float) -> None:
        """Record the training loss at an optimizer step."""
        self.steps.append(step)
        self.step_losses.append(loss)

    def log_epoch(self, record: EpochRecord) -> None:
        """Record an epoch's metrics."""
        self.epochs.append(record)

    def best_epoch(self) -> EpochRecord | None:
        """Return the epoch with the highest validation accuracy (the earliest on ties)."""
        return max(self.epochs, key=lambda record: record.validation_accuracy, default=None)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> History:
        """Rebuild a history saved as `dataclasses.asdict(history)`."""
        return cls(
            list(data["steps"]),
            list(data["step_losses"]),
            [EpochRecord(**record) for record in data["epochs"]],
        )

    def plot(self) -> plt.Figure:
        """Draw training loss per step, and validation loss and accuracy per epoch."""
        figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(11, 4))
        loss_axes.plot(self.steps, self.step_losses, alpha=0.6, label="training loss (per step)")
        if self.epochs:
            steps_per_epoch = self.steps[-1] / len(self.epochs) if self.steps else 1
            epoch_steps = [record.epoch * steps_per_epoch for record in self.epochs]
            loss_axes.plot(
                epoch_steps,
                [record.validation_loss for record in self.epochs],
                "o-",
                label="validation loss (per epoch)",
            )
            accuracy_axes.plot(
                [record.epoch for record in self.epochs],
                [100 * record.validation_accuracy for record in self.epochs],
                "o-",
                color="tab:green",
            )
        loss_axes.set(
            title="Loss during training", xlabel="optimizer step", ylabel="cross-entropy loss"
        )
        loss_axes.legend()
        accuracy_axes.set(
            title="Validation accuracy",
            xlabel="epoch",
            ylabel="accuracy (%)",
            xticks=range(1, len(self.epochs) + 1),
        )
        figure.tight_layout()
        return figure

    def save_plot(self, path: str | Path) -> Path:
        """Save the training-curve plot as a PNG."""
        figure = self.plot()
        figure.savefig(path, dpi=110)
        plt.close(figure)
        return Path(path)
