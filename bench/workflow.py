"""The workflow's benchmark rows, i2dl against scikit-learn in the same run (each output checked
against scikit-learn's before it is timed; medians of interleaved repeats):

* k-NN prediction on the digits (1,200 train, 597 test, k = 5), L2 and L1, against scikit-learn's
  brute force;
* LinearRegression.fit on 100k × 100 and Ridge on the same;
* LogisticRegression.fit (lbfgs) on the standardised digits;
* one epoch of the digits CNN (the ``i2dl train`` model and loader), without and with augmentation
  (inline, as ``i2dl train --augment`` runs it, and prefetched on a background thread): the overhead
  augmentation adds.

    python bench/workflow.py
"""
import time

import numpy as np


def interleaved(fns, repeats=7):
    """Median seconds of each callable, run in turns so that machine noise hits all alike."""
    times = [[] for _ in fns]
    for f in fns:
        f()  # warm
    for _ in range(repeats):
        for t, f in zip(times, fns):
            t0 = time.perf_counter()
            f()
            t.append(time.perf_counter() - t0)
    return [float(np.median(t)) for t in times]


def row(name, ours, theirs, label="sklearn"):
    print(f"{name:<44} i2dl {ours * 1e3:9.2f} ms   {label} {theirs * 1e3:9.2f} ms   ratio {theirs / ours:5.2f}x")


def main():
    import sklearn.linear_model as sk_lm
    import sklearn.neighbors as sk_nb
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    from i2dl import ml
    X, y = load_digits(return_X_y=True)
    for p in (2, 1):
        ours = ml.KNeighborsClassifier(5, p=p).fit(X[:1200], y[:1200])
        theirs = sk_nb.KNeighborsClassifier(5, p=p, algorithm="brute").fit(X[:1200], y[:1200])
        agree = np.mean(ours.predict(X[1200:]) == theirs.predict(X[1200:]))
        assert agree >= 0.995, f"k-NN predictions disagree with scikit-learn's on {1 - agree:.1%}"
        a, b = interleaved([lambda: ours.predict(X[1200:]), lambda: theirs.predict(X[1200:])], repeats=21)
        row(f"kNN predict digits 597x1200 k=5 p={p}", a, b)

    rng = np.random.default_rng(0)
    A = rng.normal(size=(100_000, 100))
    t = A @ rng.normal(size=100) + rng.normal(size=100_000)
    for ours, theirs, name in ((ml.LinearRegression(), sk_lm.LinearRegression(), "LinearRegression.fit 100k x 100"),
                               (ml.Ridge(1.0), sk_lm.Ridge(1.0), "Ridge.fit 100k x 100")):
        np.testing.assert_allclose(ours.fit(A, t).coef_, theirs.fit(A, t).coef_, rtol=1e-8, atol=1e-10)
        a, b = interleaved([lambda: ours.fit(A, t), lambda: theirs.fit(A, t)], repeats=5)
        row(name, a, b)

    Xs = StandardScaler().fit_transform(X)
    ours, theirs = ml.LogisticRegression(max_iter=300), sk_lm.LogisticRegression(max_iter=300)
    np.testing.assert_allclose(ours.fit(Xs, y).predict_proba(Xs), theirs.fit(Xs, y).predict_proba(Xs), atol=1e-2)
    a, b = interleaved([lambda: ours.fit(Xs, y), lambda: theirs.fit(Xs, y)], repeats=5)
    row("LogisticRegression.fit lbfgs digits", a, b)

    epoch_rows()


def epoch_rows():
    """One epoch of the digits CNN, plain and with the ``--augment`` pipeline on its prefetch thread."""
    import i2dl
    from i2dl import models, optim
    from i2dl.data import DataLoader, digits, random_split
    from i2dl.train import train_epoch
    from i2dl.train.classify import augmentation

    train, _, _ = random_split(digits(), [0.7, 0.15, 0.15], seed=0)

    def epoch(augment, prefetch=0):
        i2dl.manual_seed(0)
        model = models.DigitsCNN()
        opt = optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
        loader = DataLoader(train, batch_size=32, shuffle=True, seed=0, prefetch=prefetch,
                            transform=augmentation((1, 8, 8)) if augment else None)
        return lambda: train_epoch(model, loader, opt, progress=False)
    plain, augmented, prefetched = interleaved([epoch(False), epoch(True), epoch(True, prefetch=2)], repeats=9)
    print(f"{'digits CNN epoch (1,258 images, batch 32)':<44} plain {plain * 1e3:8.1f} ms   augmented {augmented * 1e3:8.1f} ms"
          f" ({100 * (augmented / plain - 1):+5.1f} %)   prefetched {prefetched * 1e3:8.1f} ms ({100 * (prefetched / plain - 1):+5.1f} %)")


if __name__ == "__main__":
    main()
