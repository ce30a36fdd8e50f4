#pragma once
// Scenario files for the GUI tests, written into a temporary folder.
#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>

namespace servesim::gui::test {

// A synthetic scenario (no trace file): Poisson arrivals at rate_rps for duration_s.
inline QString write_synthetic(const QTemporaryDir& dir, const QString& name, double rate_rps,
                               double duration_s, const QString& candidates) {
  const QString path = dir.filePath(name + ".json");
  QFile f(path);
  f.open(QIODevice::WriteOnly);
  f.write(QString(R"({
  "name": "%1",
  "seed": 7,
  "workload": {"type": "poisson", "rate_rps": %2, "duration_s": %3},
  "service": {"warm": {"type": "lognormal", "mean_ms": 40, "p99_ms": 90}},
  "slo": {"p99_ms": 500},
  "metrics": {"interval_s": 30},
  "candidates": [%4]
}
)")
              .arg(name)
              .arg(rate_rps)
              .arg(duration_s)
              .arg(candidates)
              .toUtf8());
  return path;
}

// Writes `text` to dir/name and returns the path.
inline QString write_text(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
  const QString path = dir.filePath(name);
  QFile f(path);
  f.open(QIODevice::WriteOnly);
  f.write(text);
  return path;
}

inline QByteArray read_all(const QString& path) {
  QFile f(path);
  f.open(QIODevice::ReadOnly);
  return f.readAll();
}

}  // namespace servesim::gui::test
