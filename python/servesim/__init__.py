"""ServeSim from Python: run a scenario, ask the advisor, tune a platform's settings, sweep a grid.

The same pipeline as the ``servesim`` command (the app/ layer): the same scenario gives the same numbers as
``servesim run`` (summary.json). See docs/python.md.

    import servesim
    result = servesim.run("scenarios/advise-text-classifier.json")
    result.candidate("lambda-1024")["latency_ms"]["p99"]
    result.to_pandas()                      # the time series (needs pandas)

Long runs release the GIL. ``progress`` is called as progress(done, total) about every 0.2 s (simulated
seconds summed over the candidates; points for sweep); returning False stops the run, as does setting
``cancel`` (a threading.Event) or Ctrl-C: the run then raises Cancelled (KeyboardInterrupt for Ctrl-C).
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Union

from . import _core
from .results import Advice, RunResult, SweepResult, Table, TuneResult

__all__ = ["run", "advise", "tune", "sweep", "RunResult", "Advice", "TuneResult", "SweepResult", "Table",
           "InputError", "Cancelled", "__version__"]

__version__ = _core.version
InputError = _core.InputError  # bad input (a ValueError): "file: /json/pointer: expected ..., got ..."
Cancelled = _core.Cancelled  # the run was stopped by the progress callback or the cancel event

Scenario = Union[str, os.PathLike, Mapping[str, Any]]
Progress = Optional[Callable[[float, float], Any]]


def _scenario_args(scenario: Scenario, base_dir: Optional[str]):
    """(path, json text, base folder) for _core: a file path, or a dict whose relative paths (the trace, the
    model) start from base_dir (default: the current folder)."""
    if isinstance(scenario, Mapping):
        return "", json.dumps(scenario), os.fspath(base_dir) if base_dir else os.getcwd()
    if isinstance(scenario, (str, os.PathLike)):
        return os.fspath(scenario), "", ""
    raise TypeError(f"scenario: expected a file path or a dict, got {type(scenario).__name__}")


def _run_result(raw: Dict[str, Any], out: Optional[str]) -> RunResult:
    return RunResult(summary=json.loads(raw["summary"]), timeseries=Table(raw["timeseries"]),
                     model_line=raw["model_line"], out_dir=out)


def run(scenario: Scenario, *, seed: Optional[int] = None, out: Optional[str] = None, force: bool = False,
        max_arrivals: Optional[float] = None, base_dir: Optional[str] = None, progress: Progress = None,
        cancel=None) -> RunResult:
    """Simulates every candidate of the scenario on the same arrivals, as ``servesim run`` does.

    scenario: a scenario file, or a scenario as a dict (docs/scenario.md); base_dir: where a dict's relative
    paths start. seed: replaces the scenario's seed. out: also write the output folder (summary.json,
    timeseries.csv, ...) as ``servesim run --out`` does (force: as --force). max_arrivals: refuse a larger
    run (default 1e9, as the CLI). Raises InputError for bad input, Cancelled when stopped.
    """
    path, text, base = _scenario_args(scenario, base_dir)
    raw = _core.run(path, text, base, seed, max_arrivals, out or "", force, False, progress, cancel)
    return _run_result(raw, out)


def advise(scenario: Scenario, *, seed: Optional[int] = None, out: Optional[str] = None, force: bool = False,
           max_arrivals: Optional[float] = None, base_dir: Optional[str] = None, progress: Progress = None,
           cancel=None) -> Advice:
    """Where should this model be served? Runs the scenario (as run()), then the advisor's rules and evidence
    on that run's own results (plus the catalogue defaults it adds for an open placement), as
    ``servesim advise`` and the desktop app do. out: the run's folder with advice.json beside it."""
    path, text, base = _scenario_args(scenario, base_dir)
    raw = _core.run(path, text, base, seed, max_arrivals, out or "", force, True, progress, cancel)
    return Advice(recommendation=json.loads(raw["advice"]), run=_run_result(raw, out))


def tune(scenario: Scenario, platform: str, *, keys: Iterable[str] = (),
         grid: Optional[Mapping[str, Iterable[float]]] = None, seed: Optional[int] = None,
         max_arrivals: Optional[float] = None, base_dir: Optional[str] = None, progress: Progress = None,
         cancel=None) -> TuneResult:
    """The cheapest configuration of one platform that meets the SLO, as ``servesim tune``: ``keys`` (default
    the platform's first sweepable key) over ``grid`` ({key: values}, default the catalogue's tune grid),
    every point simulated on the scenario's traffic."""
    path, text, base = _scenario_args(scenario, base_dir)
    grids = {k: [float(v) for v in values] for k, values in (grid or {}).items()}
    raw = _core.tune(path, text, base, platform, list(keys), grids, seed, max_arrivals, progress, cancel)
    data = json.loads(raw["json"])
    return TuneResult(data=data, csv=data.pop("csv"))


def sweep(sweep_file: Union[str, os.PathLike, Mapping[str, Any]], *, max_arrivals: Optional[float] = None,
          progress: Progress = None, cancel=None) -> SweepResult:
    """Many runs of a base scenario with some of its values changed (docs/sweeps.md), one after another in
    this process: sweep.csv's rows and pareto.csv's front. sweep_file: a sweep file, or a dict {"base":
    scenario file, "grid" | "points": ...} (a relative base is taken from the current folder)."""
    if isinstance(sweep_file, Mapping):
        doc = dict(sweep_file)
        if not isinstance(doc.get("base"), (str, os.PathLike)):
            raise TypeError('sweep: "base" must be the path of a scenario file')
        doc["base"] = os.path.abspath(os.fspath(doc["base"]))
        with tempfile.TemporaryDirectory(prefix="servesim-sweep-") as scratch:
            path = os.path.join(scratch, "sweep.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            raw = _core.sweep(path, max_arrivals, progress, cancel)
    else:
        raw = _core.sweep(os.fspath(sweep_file), max_arrivals, progress, cancel)
    return SweepResult(data=json.loads(raw["json"]))
