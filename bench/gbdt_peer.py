#!/usr/bin/python3
"""Gradient boosting benchmark: data generation and the two peers.

    gbdt_peer.py gen DIR                  write gbdt_train.csv (800k x 20) and
                                          gbdt_test.csv (200k x 20), once
    gbdt_peer.py fit DIR sklearn|xgboost  fit a peer, print JSON
                                          {seconds, cpu_seconds, score, peak_mb, n_iter}
    gbdt_peer.py score TRUTH.csv PRED.csv held-out accuracy of lathe's predictions

The task is binary: the label comes from a nonlinear function of the 20
numeric features (thresholds, an interaction, a sine) plus logistic noise,
so that trees have something to find.  Both peers fit 100 iterations, 31
leaves, learning rate 0.1, 255 bins, no early stopping, on 2 threads
(sklearn through OMP_NUM_THREADS, which the caller sets; XGBoost with
nthread=2, tree_method="hist", grow_policy="lossguide", max_depth=0).
cpu_seconds is the fit's CPU time (user + system, all threads; OpenMP
threads that spin while waiting count too).  peak_mb is the process's
peak resident set after the fit (ru_maxrss),
which includes the data the peer loaded.  Run with /usr/bin/python3.
"""
import json
import os
import resource
import sys
import time

import numpy as np


def gen(d):
    os.makedirs(d, exist_ok=True)
    if os.path.exists(os.path.join(d, "gbdt_test.csv")):
        return
    import pandas as pd
    rng = np.random.default_rng(11)
    w = rng.normal(size=20)
    for name, n in (("gbdt_train", 800_000), ("gbdt_test", 200_000)):
        X = rng.normal(size=(n, 20))
        z = (0.6 * (X @ w) * 0.3 + 1.5 * (X[:, 0] > 0.5) - 1.2 * (X[:, 1] * X[:, 2] > 0.3)
             + np.sin(2 * X[:, 3]) + rng.logistic(size=n) * 0.7)
        df = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(20)])
        df["label"] = (z > 0).astype(int)
        df.to_csv(os.path.join(d, name + ".csv"), index=False, float_format="%.6g")


def load(d, name):
    import pandas as pd
    df = pd.read_csv(os.path.join(d, name + ".csv"))
    return df.drop(columns=["label"]).to_numpy(), df["label"].to_numpy()


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def fit(d, peer):
    X, y = load(d, "gbdt_train")
    Xt, yt = load(d, "gbdt_test")
    out = {}
    if peer == "sklearn":
        from sklearn.ensemble import HistGradientBoostingClassifier
        m = HistGradientBoostingClassifier(max_iter=100, max_leaf_nodes=31,
                                           learning_rate=0.1, max_bins=255,
                                           early_stopping=False, random_state=0)
        t, c = time.perf_counter(), cpu()
        m.fit(X, y)
        out["seconds"] = time.perf_counter() - t
        out["cpu_seconds"] = cpu() - c
        out["score"] = float(m.score(Xt, yt))
        out["n_iter"] = int(m.n_iter_)
    else:
        import xgboost as xgb
        m = xgb.XGBClassifier(n_estimators=100, tree_method="hist", max_leaves=31,
                              max_depth=0, grow_policy="lossguide", learning_rate=0.1,
                              max_bin=256, n_jobs=2, min_child_weight=1e-3,
                              reg_lambda=0.0, random_state=0)
        t, c = time.perf_counter(), cpu()
        m.fit(X, y)
        out["seconds"] = time.perf_counter() - t
        out["cpu_seconds"] = cpu() - c
        out["score"] = float((m.predict(Xt) == yt).mean())
        out["n_iter"] = 100
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(out))


def score(truth, pred):
    import pandas as pd
    yt = pd.read_csv(truth)["label"].to_numpy()
    p = pd.read_csv(pred)
    col = [c for c in p.columns if c.startswith("pred") or c == "label"]
    yp = p[col[0]].to_numpy()
    print(float((yp.astype(str) == yt.astype(str)).mean()))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif sys.argv[1] == "fit":
        fit(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "score":
        score(sys.argv[2], sys.argv[3])
