#!/usr/bin/python3
"""Training benchmarks: data generation and the scikit-learn side.

    train_peer.py gen DIR            write the workloads' CSV files (once)
    train_peer.py fit DIR WORKLOAD   fit scikit-learn, print JSON {seconds, score, ...}
    train_peer.py score TRUTH.csv PRED.csv COLUMN KIND
                                     score lathe's predictions (accuracy or r2)

Workloads (seeded, deterministic):
  clf   1M x 20 train + 200k test, binary label from a noisy logistic model
  reg   1M x 20 train + 200k test, linear target with noise
  km    500k x 16, 8 overlapping clusters
  tree  800k x 20 train + 200k test, binary label from a noisy nonlinear rule
        (decision tree depth 10)
  forest 200k x 20 train + 50k test, the same rule (random forest, 100 trees)
PCA reuses clf's training features.  Run with Debian's /usr/bin/python3.
"""
import json
import os
import sys
import time

import numpy as np


def gen(d):
    os.makedirs(d, exist_ok=True)
    import pandas as pd
    rng = np.random.default_rng(7)
    if not os.path.exists(os.path.join(d, "clf_test.csv")):
        w = rng.normal(size=20)
        for name, n in (("clf_train", 1_000_000), ("clf_test", 200_000)):
            X = rng.normal(size=(n, 20))
            z = X @ w * 0.5 + rng.logistic(size=n)
            df = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(20)])
            df["label"] = (z > 0).astype(int)
            df.to_csv(os.path.join(d, name + ".csv"), index=False, float_format="%.6g")
    if not os.path.exists(os.path.join(d, "reg_test.csv")):
        w = rng.normal(size=20)
        for name, n in (("reg_train", 1_000_000), ("reg_test", 200_000)):
            X = rng.normal(size=(n, 20))
            df = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(20)])
            df["y"] = X @ w + rng.normal(size=n)
            df.to_csv(os.path.join(d, name + ".csv"), index=False, float_format="%.6g")
    for stem, sizes, seed in (("tree", (800_000, 200_000), 11), ("forest", (200_000, 50_000), 13)):
        if os.path.exists(os.path.join(d, stem + "_test.csv")):
            continue
        # a rule with interactions and thresholds, so trees have something
        # to find; 10% of labels flipped
        trng = np.random.default_rng(seed)
        for name, n in zip((stem + "_train", stem + "_test"), sizes):
            X = trng.normal(size=(n, 20))
            z = (X[:, 0] > 0.3) ^ (X[:, 1] * X[:, 2] > 0) | (X[:, 3] + X[:, 4] > 1.5)
            z = z ^ (trng.random(n) < 0.1)
            df = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(20)])
            df["label"] = z.astype(int)
            df.to_csv(os.path.join(d, name + ".csv"), index=False, float_format="%.6g")
    if not os.path.exists(os.path.join(d, "km.csv")):
        centres = rng.normal(scale=0.6, size=(8, 16))   # overlapping: slow to converge
        lab = rng.integers(0, 8, size=500_000)
        X = centres[lab] + rng.normal(size=(500_000, 16))
        df = pd.DataFrame(X, columns=[f"f{i + 1}" for i in range(16)])
        df.to_csv(os.path.join(d, "km.csv"), index=False, float_format="%.6g")


def load(d, name, target):
    import pandas as pd
    df = pd.read_csv(os.path.join(d, name + ".csv"))
    if target is None:
        return df.to_numpy(), None
    return df.drop(columns=[target]).to_numpy(), df[target].to_numpy()


def timed(f):
    t = time.perf_counter()
    r = f()
    return time.perf_counter() - t, r


def fit(d, workload):
    out = {}
    if workload == "logistic":
        from sklearn.linear_model import LogisticRegression
        X, y = load(d, "clf_train", "label")
        Xt, yt = load(d, "clf_test", "label")
        m = LogisticRegression()          # lbfgs, C=1, tol=1e-4, max_iter=100
        out["seconds"], _ = timed(lambda: m.fit(X, y))
        out["score"] = float(m.score(Xt, yt))
        out["n_iter"] = int(m.n_iter_[0])
    elif workload == "pca":
        from sklearn.decomposition import PCA
        X, _ = load(d, "clf_train", "label")
        m = PCA(n_components=5, svd_solver="full")
        out["seconds"], _ = timed(lambda: m.fit(X))
        out["score"] = float(m.explained_variance_ratio_.sum())
    elif workload in ("linear", "ridge"):
        from sklearn.linear_model import LinearRegression, Ridge
        X, y = load(d, "reg_train", "y")
        Xt, yt = load(d, "reg_test", "y")
        m = LinearRegression() if workload == "linear" else Ridge(alpha=1.0)
        out["seconds"], _ = timed(lambda: m.fit(X, y))
        out["score"] = float(m.score(Xt, yt))
    elif workload == "tree":
        import resource
        from sklearn.tree import DecisionTreeClassifier
        X, y = load(d, "tree_train", "label")
        Xt, yt = load(d, "tree_test", "label")
        out["rss_before_fit_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        best = None
        for rep in range(int(os.environ.get("PEER_REPS", "3"))):
            m = DecisionTreeClassifier(max_depth=10, random_state=rep)
            dt, _ = timed(lambda: m.fit(X, y))
            best = dt if best is None else min(best, dt)
        out["seconds"] = best
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["score"] = float(m.score(Xt, yt))
        out["node_count"] = int(m.tree_.node_count)
    elif workload == "forest":
        import resource
        from sklearn.ensemble import RandomForestClassifier
        X, y = load(d, "forest_train", "label")
        Xt, yt = load(d, "forest_test", "label")
        out["rss_before_fit_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        best = None
        for rep in range(int(os.environ.get("PEER_REPS", "1"))):
            m = RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=rep)
            dt, _ = timed(lambda: m.fit(X, y))
            best = dt if best is None else min(best, dt)
        out["seconds"] = best
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        out["score"] = float(m.score(Xt, yt))
        out["node_count"] = int(sum(e.tree_.node_count for e in m.estimators_))
    elif workload == "kmeans":
        from sklearn.cluster import KMeans
        X, _ = load(d, "km", None)
        # per-iteration time: (21 iterations - 1 iteration) / 20, same init
        rng = np.random.default_rng(3)
        init = X[rng.choice(len(X), 8, replace=False)]
        t = {1: [], 21: []}
        for rep in range(3):        # best of three: the first fit pays one-off setup
            for it in (1, 21):
                m = KMeans(n_clusters=8, init=init, n_init=1, max_iter=it, tol=0,
                           algorithm="lloyd")
                dt, _ = timed(lambda: m.fit(X))
                t[it].append(dt)
                out["n_iter_%d" % it] = int(m.n_iter_)
        t = {k: min(v) for k, v in t.items()}
        out["seconds_per_iter"] = (t[21] - t[1]) / 20
        out["score"] = float(m.inertia_)
    print(json.dumps(out))


def score(truth, pred, column, kind):
    import pandas as pd
    y = pd.read_csv(truth)[column].to_numpy()
    p = pd.read_csv(pred)["prediction"].to_numpy()
    if kind == "accuracy":
        print(float((y == p).mean()))
    else:
        print(float(1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "fit":
        fit(sys.argv[2], sys.argv[3])
    elif cmd == "score":
        score(*sys.argv[2:6])
