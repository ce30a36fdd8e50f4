#include "gui/charts_panel.hpp"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QHorizontalBarSeries>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QVBarModelMapper>
#include <QVXYModelMapper>
#include <QValueAxis>
#include <algorithm>

namespace servesim::gui {

namespace {
QChartView* make_view(const QString& title, QWidget* parent) {
  auto* chart = new QChart;
  chart->setTitle(title);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(4, 4, 4, 4));
  auto* view = new QChartView(chart, parent);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumSize(320, 220);
  return view;
}
QColor candidate_color(int c) {
  static const QColor colors[] = {QColor("#1f77b4"), QColor("#d62728"), QColor("#2ca02c"), QColor("#9467bd"),
                                  QColor("#ff7f0e"), QColor("#8c564b"), QColor("#e377c2"), QColor("#17becf")};
  return colors[c % 8];
}
double nice_max(double v) {
  return v <= 0 ? 1.0 : v * 1.05;
}
void hide_marker(QChart* chart, QAbstractSeries* series) {
  for (auto* marker : chart->legend()->markers(series)) marker->setVisible(false);
}
}  // namespace

ChartsPanel::ChartsPanel(TimeseriesModel* series, ResultsModel* results, QWidget* parent)
    : QWidget(parent), series_(series), results_(results) {
  auto* grid = new QGridLayout(this);
  grid->setContentsMargins(0, 0, 0, 0);
  views_ = {make_view(tr("Traffic (grey: arrivals/s) and instances"), this),
            make_view(tr("Latency per interval (solid: p99, dashed: p50)"), this),
            make_view(tr("Cold starts (solid) and throttles (dotted) per interval"), this),
            make_view(tr("Cost per candidate [USD]"), this)};
  for (int i = 0; i < 3; ++i) views_[static_cast<size_t>(i)]->setRubberBand(QChartView::HorizontalRubberBand);
  grid->addWidget(views_[0], 0, 0);
  grid->addWidget(views_[1], 0, 1);
  grid->addWidget(views_[2], 1, 0);
  grid->addWidget(views_[3], 1, 1);
  rebuild();
}

QChart* ChartsPanel::cost_chart() const {
  return views_[3]->chart();
}

QLineSeries* ChartsPanel::add_line(QChart* chart, int column, const QString& name, QValueAxis* x,
                                   QValueAxis* y, int candidate, Qt::PenStyle style) {
  auto* line = new QLineSeries(chart);
  line->setName(name);
  auto* mapper = new QVXYModelMapper(line);
  mapper->setXColumn(0);
  mapper->setYColumn(column);
  mapper->setSeries(line);
  mapper->setModel(series_);
  QPen pen(candidate < 0 ? QColor("#7f7f7f") : candidate_color(candidate));
  pen.setWidthF(1.5);
  pen.setStyle(style);
  line->setPen(pen);
  chart->addSeries(line);
  line->attachAxis(x);
  line->attachAxis(y);
  lines_.push_back(line);
  line_candidate_.push_back(candidate);
  return line;
}

void ChartsPanel::rebuild() {
  lines_.clear();
  line_candidate_.clear();
  time_axes_.clear();
  const int n = series_->candidate_count();
  const double t_max = std::max(series_->time_max_min(), 1.0);
  auto reset_chart = [](QChart* chart) {
    chart->removeAllSeries();
    for (auto* axis : chart->axes()) {
      chart->removeAxis(axis);
      delete axis;
    }
  };
  auto time_axis = [&](QChart* chart) {
    auto* x = new QValueAxis(chart);
    x->setTitleText(tr("simulated time [min]"));
    x->setRange(0, t_max);
    x->setLabelFormat("%.0f");
    chart->addAxis(x, Qt::AlignBottom);
    time_axes_.push_back(x);
    connect(x, &QValueAxis::rangeChanged, this, [this, x](qreal lo, qreal hi) { sync_zoom(x, lo, hi); });
    return x;
  };
  auto value_axis = [](QChart* chart, const QString& title, double max, Qt::Alignment side) {
    auto* y = new QValueAxis(chart);
    y->setTitleText(title);
    y->setRange(0, nice_max(max));
    y->applyNiceNumbers();
    y->setLabelFormat("%.4g");
    chart->addAxis(y, side);
    return y;
  };
  auto column_max = [&](TimeseriesModel::Metric m) {
    double v = 0;
    for (int c = 0; c < n; ++c) v = std::max(v, series_->column_max(TimeseriesModel::column(c, m)));
    return v;
  };

  // Traffic: the arrivals are the same for every candidate (same workload and seed); instances per candidate.
  QChart* traffic = views_[0]->chart();
  reset_chart(traffic);
  QValueAxis* x = time_axis(traffic);
  QValueAxis* y_rate =
      value_axis(traffic, tr("arrivals [1/s]"), column_max(TimeseriesModel::arrivals_per_s), Qt::AlignLeft);
  QValueAxis* y_inst =
      value_axis(traffic, tr("instances"), column_max(TimeseriesModel::instances), Qt::AlignRight);
  if (n > 0)
    add_line(traffic, TimeseriesModel::column(0, TimeseriesModel::arrivals_per_s), tr("arrivals/s"), x,
             y_rate, -1);
  for (int c = 0; c < n; ++c)
    add_line(traffic, TimeseriesModel::column(c, TimeseriesModel::instances), series_->candidate_names()[c],
             x, y_inst, c);

  QChart* latency = views_[1]->chart();
  reset_chart(latency);
  x = time_axis(latency);
  QValueAxis* y_ms =
      value_axis(latency, tr("latency [ms]"), column_max(TimeseriesModel::p99_ms), Qt::AlignLeft);
  for (int c = 0; c < n; ++c) {
    auto* p50 = add_line(latency, TimeseriesModel::column(c, TimeseriesModel::p50_ms),
                         series_->candidate_names()[c] + " p50", x, y_ms, c, Qt::DashLine);
    add_line(latency, TimeseriesModel::column(c, TimeseriesModel::p99_ms), series_->candidate_names()[c], x,
             y_ms, c);
    hide_marker(latency, p50);  // one legend entry per candidate: the colour is the candidate
  }

  QChart* events = views_[2]->chart();
  reset_chart(events);
  x = time_axis(events);
  QValueAxis* y_n =
      value_axis(events, tr("requests per interval"),
                 std::max(column_max(TimeseriesModel::cold_starts), column_max(TimeseriesModel::throttled)),
                 Qt::AlignLeft);
  for (int c = 0; c < n; ++c) {
    add_line(events, TimeseriesModel::column(c, TimeseriesModel::cold_starts), series_->candidate_names()[c],
             x, y_n, c);
    auto* throttled = add_line(events, TimeseriesModel::column(c, TimeseriesModel::throttled),
                               series_->candidate_names()[c] + tr(" throttled"), x, y_n, c, Qt::DotLine);
    hide_marker(events, throttled);
  }

  // Cost: one bar set over the cost column, one bar per candidate. Horizontal bars: each candidate's name
  // gets a row of its own on the left axis, so long names are not cut to fit under a bar.
  QChart* cost = views_[3]->chart();
  reset_chart(cost);
  auto* bars = new QHorizontalBarSeries(cost);
  auto* mapper = new QVBarModelMapper(bars);
  mapper->setFirstBarSetColumn(ResultsModel::cost_usd);
  mapper->setLastBarSetColumn(ResultsModel::cost_usd);
  mapper->setSeries(bars);
  mapper->setModel(results_);
  bars->setLabelsVisible(true);
  bars->setLabelsFormat("@value");
  cost->addSeries(bars);
  cost->legend()->setVisible(false);
  auto* categories = new QBarCategoryAxis(cost);
  double cost_max = 0;
  for (int r = 0; r < results_->rowCount(); ++r) {
    categories->append(results_->data(results_->index(r, ResultsModel::name), Qt::DisplayRole).toString());
    cost_max = std::max(cost_max,
                        results_->data(results_->index(r, ResultsModel::cost_usd), Qt::EditRole).toDouble());
  }
  cost->addAxis(categories, Qt::AlignLeft);
  bars->attachAxis(categories);
  QValueAxis* x_usd = value_axis(cost, tr("USD"), cost_max * 1.1, Qt::AlignBottom);
  bars->attachAxis(x_usd);
  for (int r = 0; r < results_->rowCount(); ++r) set_candidate_visible(r, results_->is_checked(r));
}

void ChartsPanel::set_candidate_visible(int candidate, bool visible) {
  for (size_t i = 0; i < lines_.size(); ++i)
    if (line_candidate_[i] == candidate) lines_[i]->setVisible(visible);
}

void ChartsPanel::sync_zoom(QValueAxis* source, qreal min, qreal max) {
  if (syncing_) return;
  syncing_ = true;
  for (auto* axis : time_axes_)
    if (axis != source) axis->setRange(min, max);
  syncing_ = false;
}

void ChartsPanel::reset_zoom() {
  for (size_t i = 0; i < 3; ++i) views_[i]->chart()->zoomReset();
  const double t_max = std::max(series_->time_max_min(), 1.0);
  syncing_ = true;
  for (auto* axis : time_axes_) axis->setRange(0, t_max);
  syncing_ = false;
}

}  // namespace servesim::gui
