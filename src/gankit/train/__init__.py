"""Training: the state of a run, the d/g steps and epoch loop, checkpoints."""
