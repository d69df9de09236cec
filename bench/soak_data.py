#!/usr/bin/python3
"""soak_data.py — the soak test's data and request bodies (bench/soak.sh).

  soak_data.py csv ROWS SEED > file.csv
      a 3-class table: six numeric columns x1..x6 (about 1% of cells empty,
      so the recipe's impute step is needed), one categorical column
      `colour`, an integer `label`.  The same seed gives the same bytes.

  soak_data.py bodies DIR
      the request bodies bench/soak_wrk.lua sends, one file each: good ones
      (MLflow dataframe_split of 1 and 100 rows, CSV of 20 rows, a KServe V2
      infer of 1 row, 10 rows for the second model) and bad ones (malformed
      JSON, an unknown column, a string in a numeric column, more rows than
      the server's --max-rows), and batch.csv, the 100 rows again as a CSV
      for `lathe predict`.

Standard library only, so the soak needs nothing beyond what `make test`
installs.
"""
import json
import os
import random
import sys

COLS = ["x1", "x2", "x3", "x4", "x5", "x6"]
COLOURS = ["red", "green", "blue"]
# class centres: each class shifts a different pair of columns
CENTRES = [[1.2, -0.8, 0.0, 0.6, 0.0, -1.0],
           [-1.0, 1.0, 0.7, 0.0, -0.6, 0.0],
           [0.0, 0.0, -1.1, -0.9, 1.1, 0.9]]


def row(r, y, missing=True):
    xs = ["%.4f" % (CENTRES[y][j] + r.gauss(0, 1)) for j in range(6)]
    if missing and r.random() < 0.06:
        xs[r.randrange(6)] = ""
    colour = COLOURS[y] if r.random() < 0.6 else r.choice(COLOURS)
    return xs, colour


def cmd_csv(n, seed):
    r = random.Random(seed)
    out = sys.stdout
    out.write(",".join(COLS + ["colour", "label"]) + "\n")
    for _ in range(n):
        y = r.randrange(3)
        xs, colour = row(r, y)
        out.write(",".join(xs + [colour, str(y)]) + "\n")


def query_rows(r, n):
    """n rows as JSON values: numbers and a colour, no missing values."""
    rows = []
    for _ in range(n):
        xs, colour = row(r, r.randrange(3), missing=False)
        rows.append([float(x) for x in xs] + [colour])
    return rows


def cmd_bodies(d):
    r = random.Random(7)
    cols = COLS + ["colour"]
    hundred = query_rows(r, 100)

    def put(name, text):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)

    def split(rows, columns=cols):
        return json.dumps({"dataframe_split": {"columns": columns, "data": rows}})

    put("one.json", split(hundred[:1]))
    put("hundred.json", split(hundred))
    put("batch.csv", ",".join(cols) + "\n" +
        "".join(",".join("%.4f" % v for v in x[:6]) + "," + x[6] + "\n" for x in hundred))
    put("rows20.csv", ",".join(cols) + "\n" +
        "".join(",".join("%.4f" % v for v in x[:6]) + "," + x[6] + "\n" for x in hundred[:20]))
    x = hundred[1]
    put("v2one.json", json.dumps({"id": "soak", "inputs": [
        {"name": c, "shape": [1], "datatype": "FP64", "data": [x[i]]} for i, c in enumerate(COLS)] +
        [{"name": "colour", "shape": [1], "datatype": "BYTES", "data": [x[6]]}]}))
    put("side10.json", split(hundred[10:20]))
    # bad ones: each must get its 4xx, never a 200 or a 5xx
    put("badjson.json", split(hundred[:2])[:-7] + "]]")
    put("unknowncol.json", split(hundred[:1], COLS + ["color"]))
    strnum = [list(hundred[0])]
    strnum[0][2] = "3.5x"
    put("strnum.json", split(strnum))
    put("toomany.json", split([hundred[i % 100] for i in range(501)]))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "csv":
        cmd_csv(int(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "bodies":
        cmd_bodies(sys.argv[2])
    else:
        sys.stderr.write("usage: soak_data.py csv ROWS SEED | bodies DIR\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
