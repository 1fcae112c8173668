"""helpers: the shared code of the language-models course.

Modules, one idea each:
- environment: device, mixed precision, seeds, environment report
- assets: models and data from the Hub, with announced offline fallbacks
- readers: reading CSV/TSV/JSONL files with clear errors
- data: the course's datasets, one Dataset class, batching with dynamic padding
- modeling: loading tokenizers and models, saving and loading fine-tuned classifiers
- training: the training loop (accelerate), checkpoints, history
- evaluation: predictions, reports, plots
- attention: self-attention and a BERT encoder written from scratch
- exercises: checked exercises for each notebook
"""

__version__ = "0.1.0"
