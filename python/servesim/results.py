"""Result objects of the servesim module: plain Python data (dicts and lists), with to_pandas() on tables."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


class Table:
    """Columns of equal length: ``columns[name][i]`` is row i's value. ``to_pandas()`` gives a DataFrame."""

    def __init__(self, columns: Dict[str, list]):
        self.columns = columns

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def __getitem__(self, name: str) -> list:
        return self.columns[name]

    def rows(self) -> List[Dict[str, Any]]:
        """The table as a list of {column: value} dicts."""
        names = list(self.columns)
        return [dict(zip(names, values)) for values in zip(*self.columns.values())]

    def where(self, column: str, value: Any) -> "Table":
        """The rows whose ``column`` equals ``value``."""
        keep = [i for i, v in enumerate(self.columns[column]) if v == value]
        return Table({k: [v[i] for i in keep] for k, v in self.columns.items()})

    def to_pandas(self):
        """A pandas DataFrame (needs pandas: Debian python3-pandas)."""
        try:
            import pandas
        except ImportError as e:  # pragma: no cover - depends on the machine
            raise ImportError("to_pandas() needs pandas (apt-get install python3-pandas)") from e
        return pandas.DataFrame(self.columns)

    def __repr__(self) -> str:
        return f"Table({len(self)} rows: {', '.join(self.columns)})"


def _table(rows: List[Dict[str, Any]], names: Optional[List[str]] = None) -> Table:
    """Columns `names`, else in the order their names first appear in the rows; a row without one has None."""
    if names is None:
        names = []
        for row in rows:
            names += [k for k in row if k not in names]
    return Table({name: [row.get(name) for row in rows] for name in names})


def candidate_table(summary: Dict[str, Any]) -> Table:
    """One row per candidate of a summary.json: its requests, latency, instances, cost and SLO, flattened."""
    rows = []
    for c in summary["candidates"]:
        row = {"name": c["name"], "platform": c["platform"], "latency_source": c.get("latency_source")}
        for section in ("requests", "latency_ms", "instances", "cost_usd"):
            for key, value in c.get(section, {}).items():
                if not isinstance(value, (dict, list)):
                    row[f"{section}.{key}"] = value
        row["slo.attainment"] = c["slo"]["attainment"]
        row["slo.met"] = c["slo"]["met"]
        rows.append(row)
    return _table(rows)


@dataclass
class RunResult:
    """What ``servesim run`` writes as summary.json and timeseries.csv, as Python data.

    summary: summary.json as a dict; candidates: its per-candidate dicts; timeseries: one row per candidate and
    interval, columns named as in timeseries.csv; candidate_table: one row per candidate.
    """

    summary: Dict[str, Any]
    timeseries: Table
    model_line: str = ""
    out_dir: Optional[str] = None

    @property
    def scenario(self) -> str:
        return self.summary["scenario"]

    @property
    def seed(self) -> int:
        return self.summary["seed"]

    @property
    def candidates(self) -> List[Dict[str, Any]]:
        return self.summary["candidates"]

    def candidate(self, name: str) -> Dict[str, Any]:
        """The summary of the candidate called ``name``."""
        for c in self.candidates:
            if c["name"] == name:
                return c
        raise KeyError(name)

    @property
    def candidate_table(self) -> Table:
        return candidate_table(self.summary)

    def stages(self, name: str) -> Table:
        """A workflow candidate's stages (summary.json's workflow.stages), one row per stage, nested values
        flattened as ``slot_wait_ms.mean``; a task stage's map columns (and a map's task columns) are None.
        KeyError when the candidate is not a workflow."""
        rows = []
        for stage in self.candidate(name)["workflow"]["stages"]:
            row = {}
            for key, value in stage.items():
                if isinstance(value, dict):
                    row.update({f"{key}.{k}": v for k, v in value.items()})
                else:
                    row[key] = value
            rows.append(row)
        return _table(rows)

    def event_source(self, name: str) -> Dict[str, Any]:
        """The event source section of a candidate fed by a queue or a stream (SQS, Kinesis, Pub/Sub push,
        an Azure Storage queue): its messages, batches, queue peaks and messaging cost. KeyError without."""
        return self.candidate(name)["event_source"]

    def to_pandas(self):
        """The time series as a DataFrame (one row per candidate and interval)."""
        return self.timeseries.to_pandas()


@dataclass
class Advice:
    """The advisor's recommendation (advice.json as a dict) and the run it rests on."""

    recommendation: Dict[str, Any]
    run: RunResult

    @property
    def verdict(self) -> str:
        return self.recommendation["verdict"]

    @property
    def candidate(self) -> Dict[str, Any]:
        """The recommended candidate: name, platform, placement, settings, meets_slo."""
        return self.recommendation["recommendation"]

    @property
    def candidate_table(self) -> Table:
        """Every candidate the advisor weighed, best first (rank), with why each other one lost (reason)."""
        rows = []
        for c in self.recommendation["candidates"]:
            row = {}
            for key, value in c.items():
                if key in ("latency_ms", "requests"):
                    row.update({f"{key}.{k}": v for k, v in value.items()})
                elif not isinstance(value, (dict, list)):
                    row[key] = value
            rows.append(row)
        return _table(rows)

    def to_pandas(self):
        return self.candidate_table.to_pandas()


@dataclass
class TuneResult:
    """Every grid point of ``servesim tune`` (its cost/latency curve) and the cheapest one meeting the SLO."""

    data: Dict[str, Any]
    csv: str = field(repr=False, default="")

    @property
    def points(self) -> Table:
        rows = []
        for p in self.data["points"]:
            row = {"name": p["name"]}
            row.update(p["swept"])
            row.update({k: v for k, v in p.items() if k not in ("name", "swept", "settings", "requests")})
            row.update(p["requests"])
            rows.append(row)
        return _table(rows)

    @property
    def best(self) -> Optional[Dict[str, Any]]:
        name = self.data["best"]
        return next((p for p in self.data["points"] if p["name"] == name), None)

    def to_pandas(self):
        return self.points.to_pandas()


@dataclass
class SweepResult:
    """Every point of a sweep with each candidate's figures (sweep.csv's rows) and the Pareto front."""

    data: Dict[str, Any]

    def _rows(self, only=None) -> Table:
        rows = []
        for p in self.data["points"]:
            for k, c in enumerate(p["candidates"] or [None]):
                if only is not None and (p["point"], k) not in only:
                    continue
                row = {"point": p["point"]}
                row.update(p["values"])
                if c is None:
                    row["error"] = p["error"]
                else:
                    row.update(c)
                    row["error"] = None
                rows.append(row)
        return _table(rows)

    @property
    def rows(self) -> Table:
        return self._rows()

    @property
    def pareto(self) -> Table:
        front = [tuple(x) for x in self.data["pareto"]]
        table = self._rows(set(front))
        order = {pc: i for i, pc in enumerate(front)}
        rows = sorted(table.rows(), key=lambda r: order[(r["point"], self._index(r))])
        return _table(rows, list(table.columns))

    def _index(self, row) -> int:
        for p in self.data["points"]:
            if p["point"] == row["point"]:
                return [c["name"] for c in p["candidates"]].index(row["name"])
        raise KeyError(row["point"])

    def to_pandas(self):
        return self.rows.to_pandas()


def loads(text: str) -> Any:
    return json.loads(text)
