"""Training-side code: the annotated corpus, its checks, splits, the trainer and evaluation."""
