"""Shared code of scripts/bench and scripts/bench-suite.

scripts/bench-load's helpers (the release binary path, the panel cache `.bench/panels/<N>-<S>/`
made with `tally synth`, page-cache warming, wait4() measurement) are imported from it, not
copied; this module adds what the two DuckDB comparisons share: the measures and the sections of
scripts/bench-suite.sql they need, the DuckDB worker process, `/usr/bin/time -v` measurement,
reading Tally's summary.json into exact figures, and comparing them with DuckDB's.
"""
import importlib.machinery
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
_loader = importlib.machinery.SourceFileLoader("bench_load", os.path.join(HERE, "bench-load"))
_spec = importlib.util.spec_from_loader("bench_load", _loader)
bl = importlib.util.module_from_spec(_spec)
_loader.exec_module(bl)

ROOT, TALLY = bl.ROOT, bl.TALLY
step, run_checked, csv_files, panel, warm_page_cache, resident_share, measure = (
    bl.step, bl.run_checked, bl.csv_files, bl.panel, bl.warm_page_cache, bl.resident_share, bl.measure)
SQL_FILE = os.path.join(HERE, "bench-suite.sql")
VALUESETS = os.path.join(ROOT, "Measures", "valuesets")


def shuffled_panel(folder, seed):
    """A copy of a panel folder with every CSV file's data rows in a seeded random order (header
    first), cached beside it as `<folder>-shuffled/`: the same panel, out of person order. Rows are
    lines (synthetic panels have no line breaks inside fields); a file is shuffled in memory."""
    import random
    out = folder.rstrip("/") + "-shuffled"
    if os.path.isdir(out):
        return out
    step(f"shuffling the rows of {os.path.relpath(folder, ROOT)} into {os.path.relpath(out, ROOT)}")
    tmp = out + ".partial"
    os.makedirs(tmp, exist_ok=True)
    for name in sorted(os.listdir(folder)):
        src = os.path.join(folder, name)
        if not name.endswith(".csv"):
            continue
        with open(src, "rb") as f:
            lines = f.readlines()
        rows = lines[1:]
        random.Random(f"{seed}:{name}").shuffle(rows)
        with open(os.path.join(tmp, name), "wb") as f:
            f.write(lines[0])
            f.writelines(rows)
    os.rename(tmp, out)
    return out


def fail(msg):
    print(f"{os.path.basename(sys.argv[0])}: {msg}", file=sys.stderr)
    sys.exit(1)


# The measures the DuckDB SQL mirrors: Tally's measure name, its file, the result table of
# bench-suite.sql, the SQL sections it needs (in file order), and its kind.
MEASURES = {
    "BCS": ("Measures/hedis/BCS.measure", "result_bcs", ["loader", "hedis", "bcs"], "proportion"),
    "GSD": ("Measures/hedis/GSD.measure", "result_gsd", ["loader", "hedis", "gsd"], "proportion"),
    "TCOC": ("Measures/cost/TotalCostOfCare.measure", "result_tcoc", ["loader", "months", "tcoc"], "pmpm"),
    "EDVisits": ("Measures/utilization/EDVisits.measure", "result_ed", ["loader", "months", "stays", "ed"], "per1000"),
    "Readmit30": ("Measures/utilization/Readmissions.measure", "result_readmit", ["loader", "stays", "readmit"], "proportion"),
}

# Dollars are compared to the cent.
CENT = Decimal("0.01")

# The DuckDB side: `python3 -c DUCKDB_WORKER SQLFILE PANEL VALUESETS THREADS SECTIONS TABLES TMPDIR`
# (SECTIONS and TABLES comma-separated). Runs the statements of the named sections of the SQL
# file in an in-memory database and prints one JSON line: each result table's single row (numbers
# as strings, exact), the wall time of the `loader` section (reading the CSV files into tables)
# and of the other sections (the measures).
DUCKDB_WORKER = r"""
import json, sys, time
import duckdb
sql_file, panel, valuesets, threads, sections, tables, tmp = sys.argv[1:8]
sections, tables = set(sections.split(",")), tables.split(",")
sql = open(sql_file).read().replace("{panel}", panel).replace("{valuesets}", valuesets)
con = duckdb.connect()
con.execute(f"SET threads={int(threads)}")
con.execute(f"SET temp_directory='{tmp}'")
timing = {"load_s": 0.0, "evaluate_s": 0.0}
section, stmt = None, []
for line in sql.splitlines():
    s = line.strip()
    if s.startswith("-- @section "):
        section = s.split()[2]
        continue
    if s.startswith("--") or section not in sections:
        continue
    stmt.append(line)
    if line.rstrip().endswith(";"):
        t0 = time.perf_counter()
        con.execute("\n".join(stmt))
        timing["load_s" if section == "loader" else "evaluate_s"] += time.perf_counter() - t0
        stmt = []
out = {}
for t in tables:
    cur = con.execute(f"SELECT * FROM {t}")
    names = [d[0] for d in cur.description]
    out[t] = {k: str(v) for k, v in zip(names, cur.fetchone())}
print(json.dumps({"results": out, **timing}))
"""


def sections_for(names):
    wanted = {s for n in names for s in MEASURES[n][2]}
    return [s for s in ("loader", "hedis", "months", "stays", "bcs", "gsd", "tcoc", "ed", "readmit") if s in wanted]


def ensure_duckdb():
    """Installs the duckdb package with pip when it cannot be imported; returns its version."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        step("duckdb: pip install duckdb")
        run_checked([sys.executable, "-m", "pip", "install", "--quiet", "duckdb"])
    return subprocess.run([sys.executable, "-c", "import duckdb; print(duckdb.__version__)"],
                          capture_output=True, text=True).stdout.strip()


def parse_elapsed(s):
    """`/usr/bin/time` elapsed wall clock, h:mm:ss or m:ss.ss, in seconds."""
    secs = 0.0
    for part in s.split(":"):
        secs = secs * 60 + float(part)
    return secs


def timed(cmd):
    """Runs cmd under `/usr/bin/time -v` (when installed) inside bench-load's wait4() measurement.
    Returns a dict: code, stdout, stderr, wall (s), cpu (user+sys s), rss (peak, bytes), others
    (cores used by other processes meanwhile), timer (`/usr/bin/time -v` or `wait4`). Wall and
    peak RSS are /usr/bin/time's when it ran."""
    timer = "/usr/bin/time"
    tfile = None
    if os.access(timer, os.X_OK):
        fd, tfile = tempfile.mkstemp(prefix="time-", suffix=".txt", dir=os.path.join(ROOT, ".bench"))
        os.close(fd)
        cmd = [timer, "-v", "-o", tfile, *cmd]
    code, out, err, wall, cpu, rss, _, others = measure(cmd)
    r = {"code": code, "stdout": out, "stderr": err, "wall": wall, "cpu": cpu, "rss": rss, "others": others,
         "timer": "wait4"}
    if tfile:
        with open(tfile) as f:
            text = f.read()
        os.unlink(tfile)
        if (m := re.search(r"Elapsed \(wall clock\) time.*: ([\d:.]+)", text)):
            r["wall"] = parse_elapsed(m.group(1))
            r["timer"] = "/usr/bin/time -v"
        if (m := re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)):
            r["rss"] = int(m.group(1)) * 1024
        if (m := re.search(r"Command terminated by signal (\d+)", text)):
            r["signal"] = int(m.group(1))
            if r["code"] == 0:
                r["code"] = 128 + int(m.group(1))
        if (m := re.search(r"Exit status: (\d+)", text)) and r["code"] == 0:
            r["code"] = int(m.group(1))
    return r


def run_duckdb(names, folder, threads):
    """The DuckDB worker for the measures `names` over the panel folder, timed; adds `results`
    (per measure, the result table's row), `load_s` and `evaluate_s` (wall) when it succeeded."""
    tmp = tempfile.mkdtemp(prefix="duckdb-tmp-", dir=os.path.join(ROOT, ".bench"))
    try:
        r = timed([sys.executable, "-c", DUCKDB_WORKER, SQL_FILE, folder, VALUESETS, str(threads),
                   ",".join(sections_for(names)), ",".join(MEASURES[n][1] for n in names), tmp])
    finally:
        subprocess.run(["rm", "-rf", tmp])
    if r["code"] == 0:
        info = json.loads(r["stdout"].strip().splitlines()[-1])
        r["results"] = {n: info["results"][MEASURES[n][1]] for n in names}
        r["load_s"], r["evaluate_s"] = info["load_s"], info["evaluate_s"]
    return r


def tally_command(names, folder, out_dir, jobs, timings, part_size=None):
    cmd = [TALLY, "run", folder, "--measures", *(MEASURES[n][0] for n in names), "--valuesets", "Measures/valuesets",
           "--format", "json", "--out", out_dir, "--jobs", str(jobs)]
    if part_size:
        cmd += ["--part-size", str(part_size)]
    return cmd + (["--timings"] if timings else [])


def cache_format_is_current(path):
    """Whether a panel cache has the format version this checkout writes (the u32 at offset 8;
    `CacheFormat.version` in Plugins/PanelCache/Format.swift): a cache cached beside a panel by an
    older build is imported again rather than refused by `tally run`."""
    with open(os.path.join(ROOT, "Plugins", "PanelCache", "Format.swift")) as f:
        m = re.search(r"static let version: UInt32 = (\d+)", f.read())
    with open(path, "rb") as f:
        header = f.read(12)
    return m is not None and len(header) == 12 and int.from_bytes(header[8:12], "little") == int(m.group(1))


def tally_supports_timings():
    r = subprocess.run([TALLY, "run", "--help"], capture_output=True, text=True)
    return "--timings" in r.stdout + r.stderr


TIMINGS = re.compile(r"timings: load ([\d.,]+) s, evaluate ([\d.,]+) s, wall ([\d.,]+) s, members ([\d,]+), "
                     r"measures ([\d,]+), per member-measure ([\d.,]+) (?:us|µs)")


def parse_timings(stderr):
    """The `timings:` line of `tally run --timings` (None when absent)."""
    m = TIMINGS.search(stderr)
    if not m:
        return None
    n = [x.replace(",", "") for x in m.groups()]
    return {"load_s": float(n[0]), "evaluate_s": float(n[1]), "wall_s": float(n[2]), "members": int(n[3]),
            "measures": int(n[4]), "us_per_member_measure": float(n[5])}


def read_summary(path):
    """summary.json, with each observation's exact sum (the exact total of its sum partials, as a
    Decimal) and count as {"n": count, "sum": Decimal}."""
    with open(path) as f:
        data = json.load(f)
    for m in data.get("measures", []):
        for name, o in m.get("observations", {}).items():
            exact = sum((Decimal(p) for p in o.get("partials", [])), Decimal(0))
            m["observations"][name] = {"n": o.get("count", 0), "sum": exact}
    return data


def tally_figures(summary):
    """Per measure: the counts of summary.json, and the observation sums compared with DuckDB's
    (TCOC paid_sum/allowed_sum; EDVisits ed_visits, avoidable_ed_visits); plus problems found."""
    by = {m["measure"]: m for m in summary["measures"]}
    out, problems = {}, []
    for name, m in by.items():
        if name not in MEASURES:
            continue
        if m.get("membersWithErrors"):
            problems.append(f"{name}: {m['membersWithErrors']} members with evaluation errors: {m.get('errorSamples')}")
        f = {k: Decimal(v) for k, v in m["counts"].items()}
        obs = m.get("observations", {})
        kind = MEASURES[name][3]
        if kind == "pmpm":
            # Each member month's dollars is a binary double: compared to the cent.
            f["paid_sum"] = obs["paid_pmpm"]["sum"].quantize(CENT)
            f["allowed_sum"] = obs["allowed_pmpm"]["sum"].quantize(CENT)
        if kind == "per1000":
            f["ed_visits"] = Decimal(obs["ed_visit_count"]["sum"])
            avoidable = Decimal(obs["avoidable_ed_visits_per_1000"]["sum"]) / 12000
            f["avoidable_ed_visits"] = avoidable
            per1000 = Decimal(obs["ed_visits_per_1000"]["sum"])
            if per1000 != 12000 * f["ed_visits"]:
                problems.append(f"EDVisits: sum of ed_visits_per_1000 {per1000} is not 12,000 x ed_visit_count {f['ed_visits']}")
        for k, v in obs.items():
            if v["n"] != m["counts"].get("measure_population", v["n"]):
                problems.append(f"{name}: {v['n']} {k} observations for {m['counts']['measure_population']} member months")
        out[name] = f
    if summary.get("rejected"):
        problems.append(f"rejected rows: {summary['rejected']}")
    return out, problems


def duck_figures(results):
    return {n: {k: Decimal(v) for k, v in row.items()} for n, row in results.items()}


def compare(tally, duck):
    """Rows (measure, figure, Tally, DuckDB, agree) for every figure either side has, in a stable
    order; a figure that one side lacks disagrees."""
    rows = []
    for n in MEASURES:
        if n not in tally and n not in duck:
            continue
        t, d = tally.get(n, {}), duck.get(n, {})
        keys = list(t) + [k for k in d if k not in t]
        for k in keys:
            tv, dv = t.get(k), d.get(k)
            rows.append((n, k, tv, dv, tv is not None and dv is not None and tv == dv))
    return rows


def fmt_figure(v):
    if v is None:
        return "(none)"
    if v == v.to_integral_value():
        return f"{int(v):,}"
    return f"{v:,.4f}".rstrip("0")


def derived(figs):
    """Rates and PMPMs from either side's figures, for display (nan when a figure is missing)."""
    nan = float("nan")

    def ratio(f, num, den, scale=1):
        try:
            d = den(f)
            return float(scale * f[num] / d) if d else nan
        except KeyError:
            return nan

    out = {}
    for n, f in figs.items():
        kind = MEASURES[n][3]
        if kind == "proportion":
            out[f"{n} rate"] = ratio(f, "numerator", lambda f: f["denominator"] - f["denominator_exclusion"]
                                     - f.get("denominator_exception", 0))
        elif kind == "pmpm":
            out["TCOC paid PMPM"] = ratio(f, "paid_sum", lambda f: f["measure_population"])
            out["TCOC allowed PMPM"] = ratio(f, "allowed_sum", lambda f: f["measure_population"])
        else:
            out["ED visits per 1,000"] = ratio(f, "ed_visits", lambda f: f["measure_population"], 12000)
            out["avoidable ED per 1,000"] = ratio(f, "avoidable_ed_visits", lambda f: f["measure_population"], 12000)
    return out
