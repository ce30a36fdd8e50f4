#pragma once
// The run's charts, all read from the models: traffic (arrivals/s) vs instances, latency p50/p99, cold
// starts and throttles over time (TimeseriesModel through QVXYModelMapper), and cost per candidate
// (ResultsModel through QVBarModelMapper). Drag a rubber band on a time chart to zoom every time chart to
// that window; reset_zoom() shows the whole run again.
#include <QWidget>
#include <vector>

#include "gui/results_model.hpp"
#include "gui/timeseries_model.hpp"

class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;
class QBarCategoryAxis;

namespace servesim::gui {

class ChartsPanel : public QWidget {
  Q_OBJECT
 public:
  ChartsPanel(TimeseriesModel* series, ResultsModel* results, QWidget* parent = nullptr);

  void rebuild();  // after the models were reset
  void reset_zoom();
  void set_candidate_visible(int candidate, bool visible);
  // Series of the time charts (for tests): every line series with its point count.
  std::vector<QLineSeries*> line_series() const { return lines_; }
  QChart* cost_chart() const;
  std::vector<QChartView*> views() const { return views_; }

 private:
  QLineSeries* add_line(QChart* chart, int column, const QString& name, QValueAxis* x, QValueAxis* y,
                        int candidate, Qt::PenStyle style = Qt::SolidLine);
  void sync_zoom(QValueAxis* source, qreal min, qreal max);
  TimeseriesModel* series_;
  ResultsModel* results_;
  std::vector<QChartView*> views_;  // traffic, latency, cold/throttle, cost
  std::vector<QLineSeries*> lines_;
  std::vector<int> line_candidate_;
  std::vector<QValueAxis*> time_axes_;
  bool syncing_ = false;
};

}  // namespace servesim::gui
