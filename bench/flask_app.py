"""The peer of `lathe serve` in bench_serve.sh: gunicorn + Flask + scikit-learn.

Fits the same model family lathe serves — mean imputation, then
multinomial logistic regression (lbfgs, C=1) — on the same CSV at start
($BENCH_SERVE_CSV, target column $BENCH_SERVE_TARGET), and answers MLflow's
scoring protocol for the body the benchmark sends:

    POST /invocations  {"dataframe_split": {"columns": [...], "data": [[...]]}}
                    -> {"predictions": [label, ...]}

Columns are matched by name (any order), as a real scoring server must.
This is the lean way to write such a server (numpy arrays, no pandas per
request), so the comparison is with a good Flask server, not a naive one.
Run with Debian's /usr/bin/python3: gunicorn -w N flask_app:app
"""
import os

import numpy as np
from flask import Flask, jsonify, request
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

CSV = os.environ["BENCH_SERVE_CSV"]
TARGET = os.environ.get("BENCH_SERVE_TARGET", "label")

with open(CSV) as f:
    header = f.readline().strip().split(",")
data = np.loadtxt(CSV, delimiter=",", skiprows=1)
ti = header.index(TARGET)
FEATURES = [c for i, c in enumerate(header) if i != ti]
X = np.delete(data, ti, axis=1)
y = data[:, ti].astype(int)
MODEL = make_pipeline(SimpleImputer(strategy="mean"),
                      LogisticRegression(C=1.0, max_iter=1000)).fit(X, y)
POS = {c: i for i, c in enumerate(FEATURES)}

app = Flask(__name__)


@app.post("/invocations")
def invocations():
    body = request.get_json(force=True)
    split = body["dataframe_split"]
    order = [POS[c] for c in split["columns"]]
    rows = np.asarray(split["data"], dtype=float)
    Xr = np.empty_like(rows)
    Xr[:, order] = rows
    return jsonify(predictions=MODEL.predict(Xr).tolist())


@app.get("/ping")
def ping():
    return "\n"
