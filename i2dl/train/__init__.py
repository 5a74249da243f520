"""``i2dl.train``: the training loop (early stopping, resumable checkpoints, history and learning
curves), evaluation, hyper-parameter search, and the jobs behind ``i2dl train``."""
from .history import plot_history, write_history
from .run_state import load_run, save_run
from .search import Choice, IntUniform, LogUniform, Uniform, grid_search, random_search, results_table
from .trainer import EarlyStopping, accuracy, evaluate, fit, train_epoch
