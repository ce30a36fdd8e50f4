"""The Python module against what a user relies on: the same numbers as `servesim run` (the golden
summary.json of the bundled scenarios, tests/golden/), the time series of timeseries.csv, bad input as one
line naming the field, the advisor's and tuner's answers equal to the CLI's, and a run that can be stopped
while other Python threads go on. Run from the source root with PYTHONPATH=<build>/python (CTest does)."""

import csv
import io
import json
import math
import os
import subprocess
import sys
import threading
import time

import pytest

import servesim

SHORT = "scenarios/advise-text-classifier.json"  # 1 h at 5 req/s with a spike: ~0.2 s per run
LLM = "scenarios/llm-chat.json"  # language-model columns in the time series: ~0.3 s
LONG = "scenarios/trending-topic-lambda.json"  # ~20 s: only ever started to be stopped


def golden(name, file):
    with open(os.path.join("tests/golden", name, file), encoding="utf-8") as f:
        return f.read()


def servesim_cli(*args):
    """The servesim command of this build (SERVESIM_BIN, as the C++ tests use it)."""
    done = subprocess.run([os.environ["SERVESIM_BIN"], *args], capture_output=True, text=True, check=True)
    return done.stdout


def test_run_gives_the_golden_summary():
    result = servesim.run(SHORT)
    assert result.summary == json.loads(golden("advise-text-classifier", "summary.json"))
    assert result.scenario == "advise-text-classifier" and result.seed == 42
    c = result.candidate("lambda-1024")
    # conservation: every arrival ends as exactly one outcome
    r = c["requests"]
    assert r["arrived"] == r["served"] + r["throttled"] + r["timed_out"] + r["dropped"]


def test_a_scenario_given_as_a_dict_runs_as_its_file():
    with open(SHORT, encoding="utf-8") as f:
        doc = json.load(f)
    result = servesim.run(doc, base_dir="scenarios")
    assert result.summary == json.loads(golden("advise-text-classifier", "summary.json"))


def test_the_time_series_is_timeseries_csv():
    result = servesim.run(LLM)
    rows = list(csv.DictReader(io.StringIO(golden("llm-chat", "timeseries.csv"))))
    # the same columns in the same order, the language-model ones included
    assert list(result.timeseries.columns) == list(rows[0].keys())
    assert len(result.timeseries) == len(rows)
    for mine, theirs in zip(result.timeseries.rows(), rows):
        for column, text in theirs.items():
            if column == "candidate":
                assert mine[column] == text
            else:
                # timeseries.csv prints 6 decimals (start/end) or 6 significant digits
                assert math.isclose(mine[column], float(text), rel_tol=1e-5, abs_tol=1e-6), column
    # the intervals' arrivals add up to each candidate's whole-run arrivals
    for c in result.candidates:
        per_interval = result.timeseries.where("candidate", c["name"])["arrivals"]
        assert sum(per_interval) == c["requests"]["arrived"]


def test_to_pandas_gives_the_time_series_and_the_candidate_table():
    pandas = pytest.importorskip("pandas")
    result = servesim.run(SHORT)
    frame = result.to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert frame.shape == (len(result.timeseries), len(result.timeseries.columns))
    # 60 one-minute intervals of a 3,600 s run, per candidate
    assert frame.groupby("candidate").size().to_dict() == {"lambda-1024": 60, "lambda-2048-pc10": 60}
    table = result.candidate_table.to_pandas().set_index("name")
    assert table.loc["lambda-1024", "latency_ms.p99"] == result.candidate("lambda-1024")["latency_ms"]["p99"]
    assert table.loc["lambda-1024", "cost_usd.total"] == result.candidate("lambda-1024")["cost_usd"]["total"]


def test_workflow_stages_and_event_source_views_are_summary_json():
    result = servesim.run("scenarios/workflow-batch-inference.json")
    wanted = json.loads(golden("workflow-batch-inference", "summary.json"))["candidates"]
    for c in wanted:
        stages = result.stages(c["name"])
        expected = c["workflow"]["stages"]
        assert stages["stage"] == [s["stage"] for s in expected]
        for row, s in zip(stages.rows(), expected):
            assert row["kind"] == s["kind"]
            if s["kind"] == "map":  # nested values flattened, task columns empty
                assert row["items"] == s["items"] and row["slot_wait_ms.max"] == s["slot_wait_ms"]["max"]
                assert row["attempts"] is None
            else:
                assert row["attempts"] == s["attempts"] and row["retries"] == s["retries"]
        # every item of the map is one task of its body: attempts = items started + retries
        by_stage = {row["stage"]: row for row in stages.rows()}
        assert by_stage["inference"]["attempts"] - by_stage["inference"]["retries"] <= by_stage["images"]["items"]
    with pytest.raises(KeyError):
        servesim.run(SHORT).stages("lambda-1024")  # not a workflow
    sqs = servesim.run("scenarios/event-driven-sqs-lambda.json")
    golden_sqs = json.loads(golden("event-driven-sqs-lambda", "summary.json"))["candidates"]
    for c in golden_sqs:
        assert sqs.event_source(c["name"]) == c["event_source"]
        assert sqs.event_source(c["name"])["type"] == "sqs"


def test_seed_overrides_the_scenario_seed():
    assert servesim.run(SHORT, seed=7).seed == 7


def test_bad_input_is_one_line_naming_the_field():
    with open(SHORT, encoding="utf-8") as f:
        doc = json.load(f)
    doc["slo"]["p99_ms"] = -5
    with pytest.raises(servesim.InputError) as error:
        servesim.run(doc, base_dir="scenarios")
    assert isinstance(error.value, ValueError)
    message = str(error.value)
    assert "\n" not in message and "<dict>" in message and "/slo/p99_ms" in message
    with pytest.raises(servesim.InputError, match="no-such-file.json"):
        servesim.run("no-such-file.json")


def test_run_writes_the_output_folder_as_the_cli(tmp_path):
    out = tmp_path / "run"
    servesim.run(SHORT, out=str(out))
    assert (out / "summary.json").read_text() == golden("advise-text-classifier", "summary.json")
    assert (out / "timeseries.csv").read_text() == golden("advise-text-classifier", "timeseries.csv")


def test_advise_gives_the_cli_recommendation():
    advice = servesim.advise(SHORT)
    cli = json.loads(servesim_cli("advise", SHORT, "--json"))
    assert advice.recommendation == cli
    assert advice.candidate["name"] == cli["recommendation"]["name"]
    table = advice.candidate_table
    assert table["name"] == [c["name"] for c in cli["candidates"]]
    assert advice.run.summary == json.loads(golden("advise-text-classifier", "summary.json"))


def test_tune_gives_the_cli_curve():
    tuned = servesim.tune(SHORT, "aws-lambda", keys=["memory_mb"], grid={"memory_mb": [1024, 2048]})
    cli = servesim_cli("tune", SHORT, "--platform", "aws-lambda", "--keys", "memory_mb",
                       "--grid", "memory_mb=1024,2048")
    assert cli.startswith(tuned.csv)
    assert len(tuned.points) == 2 and tuned.points["memory_mb"] == [1024.0, 2048.0]
    if tuned.best is not None:
        assert tuned.best["meets_slo"]


def test_sweep_runs_each_point_as_run_does():
    result = servesim.sweep({"base": SHORT, "points": [{"/candidates/0/memory_mb": 1024},
                                                       {"/candidates/0/memory_mb": 2048}]})
    rows = result.rows
    assert rows["point"] == [0, 0, 1, 1] and rows["error"] == [None] * 4
    # point 0 is the scenario unchanged (lambda-1024 has 1,024 MB): summary.json's figures
    summary = json.loads(golden("advise-text-classifier", "summary.json"))
    first = rows.rows()[0]
    assert first["name"] == "lambda-1024"
    assert first["p99_ms"] == summary["candidates"][0]["latency_ms"]["p99"]
    assert first["cost_usd"] == summary["candidates"][0]["cost_usd"]["total"]
    # the Pareto front: no row of it is beaten on both cost and p99 by another row
    all_rows = rows.rows()
    for a in result.pareto.rows():
        assert not any(b["cost_usd"] <= a["cost_usd"] and b["p99_ms"] <= a["p99_ms"] and
                       (b["cost_usd"] < a["cost_usd"] or b["p99_ms"] < a["p99_ms"]) for b in all_rows)


def test_progress_returning_false_stops_the_run():
    calls = []

    def progress(done_s, total_s):
        calls.append((done_s, total_s))
        return False

    start = time.monotonic()
    with pytest.raises(servesim.Cancelled):
        servesim.run(LONG, progress=progress)
    # stopped at the first report (~0.2 s in), not after the ~20 s the whole run takes
    assert time.monotonic() - start < 10
    assert calls and 0 <= calls[0][0] <= calls[0][1]


def test_cancel_event_stops_the_run_and_other_threads_run_meanwhile():
    cancel = threading.Event()
    ticks = []

    def other_thread():
        while not cancel.is_set():
            ticks.append(1)
            time.sleep(0.01)

    worker = threading.Thread(target=other_thread)
    worker.start()
    threading.Timer(1.0, cancel.set).start()
    with pytest.raises(servesim.Cancelled):
        servesim.run(LONG, cancel=cancel)
    worker.join()
    # the GIL was released: the other thread ticked about every 10 ms during the 1 s before the cancel
    assert len(ticks) > 20


def test_ctrl_c_stops_the_run_with_keyboard_interrupt():
    # In a child interpreter, so that a signal arriving late could not stop this test session.
    script = """
import os, signal, sys, threading, time, servesim
signal.signal(signal.SIGINT, signal.default_int_handler)
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.monotonic()
try:
    servesim.run(sys.argv[1])
except KeyboardInterrupt:
    print("interrupted after %.1f s" % (time.monotonic() - start))
"""
    done = subprocess.run([sys.executable, "-c", script, LONG], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seconds = float(done.stdout.split()[2])
    assert seconds < 10  # not the ~20 s of the whole run
