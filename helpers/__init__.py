"""helpers: the shared code of the language-models course.

Modules, one idea each, from the bottom layer up (a module imports only those above it):
- settings: every setting of a fine-tuning run (`TrainConfig`), its presets and its flags
- course: where the course lives (repository, Colab badges) and smoke mode (notebook 00)
- diagrams: the course's own boxes-and-arrows figures, drawn with matplotlib (notebook 07)
- environment: device, mixed precision and an environment report (notebooks 00-02, 05, 06)
- assets: models and data from the Hub, with announced offline fallbacks (notebooks 00, 04-06)
- readers: reading CSV/TSV/JSONL files with clear errors (through `data`)
- data: the course's datasets, one Dataset class, length-grouped batches (notebooks 00-02, 04-06)
- modeling: loading tokenizers and models, saving and loading classifiers (notebooks 01, 03-06)
- checkpoints: kill-safe checkpoints and the best weights (the training loop)
- history: losses and metrics during training, and their plot (notebooks 05, 06)
- progress: progress bars in terminals and notebooks, plain lines in logs (the training loop)
- evaluation: the one scoring path, reports, plots, a classifier for new texts (notebooks 05, 06)
- training: the training loop on accelerate (notebooks 05, 06)
- pretraining: MLM pretraining from scratch, and what pretraining buys a classifier (notebooks 04, 05)
- finetune: the command `python -m helpers.finetune` (the course's main job)
- recurrent: RNN and LSTM cells written from their equations (notebook 02)
- attention: self-attention and a BERT encoder written from scratch (notebooks 03, 04)
- fork: `python -m helpers.fork URL` points badges and setup cells at a fork (instructors)
- exercises: checked exercises for each notebook (`exercises.nb00` ... `exercises.nb07`); their
  keys (answers, hidden cases, solutions) in `exercises.answers`
- classroom: `python -m helpers.classroom` releases student versions and grades submissions
"""

__version__ = "0.1.0"
