#include "gui/scenario_form.hpp"

#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QVBoxLayout>

#include "gui/candidate_editor.hpp"

namespace servesim::gui {

namespace {
// The keys each workload type and each distribution type accepts (docs/scenario.md).
const std::map<std::string, std::vector<std::string>>& workload_keys() {
  static const std::map<std::string, std::vector<std::string>> keys{
      {"rate_trace",
       {"path", "scale", "start_s", "duration_s", "time_compression", "gaps", "gap_min_s", "sessions"}},
      {"request_trace",
       {"path", "scale", "start_s", "duration_s", "time_compression", "timestamp_column", "key_column",
        "timestamp_unit", "format", "input_tokens_column", "output_tokens_column", "prefix_blocks_column",
        "prefix_block_tokens", "filter", "end_column", "duration_column", "max_duration_s"}},
      {"poisson", {"duration_s", "rate_rps", "tokens", "sessions"}},
      {"diurnal", {"duration_s", "rate_rps", "period_s", "amplitude", "tokens", "sessions"}},
      {"spike",
       {"duration_s", "base_rps", "spike_factor", "spike_start_s", "ramp_s", "spike_duration_s", "tokens",
        "sessions"}}};
  return keys;
}
const std::map<std::string, std::vector<std::string>>& distribution_keys() {
  static const std::map<std::string, std::vector<std::string>> keys{{"constant", {"value_ms"}},
                                                                    {"exponential", {"mean_ms"}},
                                                                    {"lognormal", {"mean_ms", "p99_ms"}},
                                                                    {"empirical", {"percentiles_ms"}}};
  return keys;
}
std::string key_of(const std::string& pointer) {
  return pointer.substr(pointer.rfind('/') + 1);
}
}  // namespace

ScenarioForm::ScenarioForm(ScenarioDocument* doc, QWidget* parent) : QWidget(parent), doc_(doc) {
  auto* layout = new QVBoxLayout(this);
  banner_ = new QLabel(this);
  banner_->setObjectName("issueBanner");
  banner_->setWordWrap(true);
  banner_->setStyleSheet("background: #fdecea; color: #922b21; padding: 4px;");
  banner_->hide();
  layout->addWidget(banner_);

  auto group = [&](const QString& title) {
    auto* box = new QGroupBox(title, this);
    auto* form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    layout->addWidget(box);
    return form;
  };

  QFormLayout* f = group(tr("Scenario"));
  add(f, tr("name"), "/name", tr("file name"));
  add(f, tr("seed"), "/seed", tr("default 1"));
  add(f, tr("interval_s"), "/metrics/interval_s", tr("default 60 s (time-series resolution)"));

  f = group(tr("Workload"));
  auto* type = add_choice(f, tr("type"), "/workload/type",
                          {"rate_trace", "request_trace", "poisson", "diurnal", "spike"}, tr("(choose)"));
  type->set_writer([this](const QString& t) {
    doc_->set_type("/workload", t.toStdString(), workload_keys().at(t.toStdString()));
  });
  add(f, tr("path"), "/workload/path", tr("trace file, relative to the scenario"));
  add(f, tr("scale"), "/workload/scale", tr("default 1 (multiplies the rates)"));
  add(f, tr("start_s"), "/workload/start_s", tr("default 0 s"));
  add(f, tr("duration_s"), "/workload/duration_s", tr("s (traces: default to the end)"));
  add(f, tr("time_compression"), "/workload/time_compression", tr("default 1"));
  add_choice(f, tr("gaps"), "/workload/gaps", {"", "keep", "skip", "fill"}, tr("default keep"));
  add(f, tr("gap_min_s"), "/workload/gap_min_s", tr("default 600 s"));
  add(f, tr("timestamp_column"), "/workload/timestamp_column", tr("default TIMESTAMP"));
  add(f, tr("key_column"), "/workload/key_column", tr("none (the column naming each request's input)"));
  add(f, tr("sessions"), "/workload/sessions",
      tr("none (users; each request's session drawn uniformly: session affinity, instance caches)"));
  add_choice(f, tr("timestamp_unit"), "/workload/timestamp_unit", {"", "auto", "s", "ms", "us", "iso8601"},
             tr("default auto (seconds or YYYY-MM-DD HH:MM:SS)"));
  add_choice(f, tr("format"), "/workload/format", {"", "csv", "jsonl"},
             tr("default by the file name (.jsonl)"));
  add(f, tr("input_tokens_column"), "/workload/input_tokens_column",
      tr("none (prompt tokens; with the output one)"));
  add(f, tr("output_tokens_column"), "/workload/output_tokens_column", tr("none (generated tokens)"));
  add(f, tr("prefix_blocks_column"), "/workload/prefix_blocks_column",
      tr("none (each prompt's prefix-block ids, e.g. Mooncake's hash_ids: prefix caching and routing)"));
  add(f, tr("prefix_block_tokens"), "/workload/prefix_block_tokens", tr("default 512 tokens per block"));
  add(f, tr("end_column"), "/workload/end_column",
      tr("none (arrival = end - duration; with duration_column)"));
  add(f, tr("duration_column"), "/workload/duration_column", tr("none (each request's duration, s)"));
  add(f, tr("max_duration_s"), "/workload/max_duration_s", tr("default 600 s (the longest duration)"));
  add(f, tr("filter column"), "/workload/filter/column", tr("none (keep only rows with a value here)"));
  add(f, tr("filter equals"), "/workload/filter/equals", tr("the value a kept row has"));
  add(f, tr("rate_rps"), "/workload/rate_rps", tr("requests/s"));
  add(f, tr("base_rps"), "/workload/base_rps", tr("requests/s"));
  add(f, tr("period_s"), "/workload/period_s", tr("default 86400 s"));
  add(f, tr("amplitude"), "/workload/amplitude", tr("default 0.5 (0..1)"));
  add(f, tr("spike_factor"), "/workload/spike_factor", tr("default 6"));
  add(f, tr("spike_start_s"), "/workload/spike_start_s", tr("default 0 s"));
  add(f, tr("ramp_s"), "/workload/ramp_s", tr("default 60 s"));
  add(f, tr("spike_duration_s"), "/workload/spike_duration_s", tr("default 600 s"));

  f = group(tr("Service (warm time on reference_vcpu)"));
  auto* warm = add_choice(f, tr("warm type"), "/service/warm/type",
                          {"constant", "exponential", "lognormal", "empirical"}, tr("(choose)"));
  warm->set_writer([this](const QString& t) {
    doc_->set_type("/service/warm", t.toStdString(), distribution_keys().at(t.toStdString()));
  });
  add(f, tr("value_ms"), "/service/warm/value_ms", tr("ms"));
  add(f, tr("mean_ms"), "/service/warm/mean_ms", tr("ms"));
  add(f, tr("p99_ms"), "/service/warm/p99_ms", tr("ms (mean < p99 <= 14.9 x mean)"));
  add(f, tr("reference_vcpu"), "/service/reference_vcpu", tr("default 1 vCPU"));
  add(f, tr("parallel_fraction"), "/service/parallel_fraction", tr("default 0 (0..1)"));
  add(f, tr("model_size_mb"), "/service/cold_start/model_size_mb", tr("default 0 MB"));

  // A measured model instead of hand-written service times (docs/scenario.md, "model"); File > Profile
  // model... fills it.
  f = group(tr("Model (measured service times)"));
  add(f, tr("profile"), "/model/profile", tr("saved profile JSON (File > Profile model...)"));
  add(f, tr("onnx"), "/model/onnx", tr("or an ONNX file, profiled when the run starts"));
  add_choice(f, tr("engine"), "/model/engine", {"", "ort", "opencv"}, tr("default ort (with onnx)"));
  add_choice(f, tr("load"), "/model/load", {"", "plain", "optimized"}, tr("default plain"));

  f = group(tr("SLO"));
  add(f, tr("p99_ms"), "/slo/p99_ms", tr("default 1000 ms"));
  add(f, tr("timeout_s"), "/slo/timeout_s", tr("default 30 s"));

  auto* box = new QGroupBox(tr("Candidates"), this);
  auto* box_layout = new QVBoxLayout(box);
  candidates_ = new CandidateEditor(doc_, box);
  box_layout->addWidget(candidates_);
  layout->addWidget(box);
  layout->addStretch(1);

  connect(doc_, &ScenarioDocument::edited, this, [this](const std::string& pointer) {
    if (pointer.ends_with("/type")) {
      for (auto* field : fields_) field->reload();
      update_visibility();
    }
  });
  connect(doc_, &ScenarioDocument::checked, this, &ScenarioForm::show_issue);
  update_visibility();
}

JsonField* ScenarioForm::add(QFormLayout* form, const QString& label, const std::string& pointer,
                             const QString& hint) {
  auto* field = new JsonField(doc_, pointer, hint, this);
  form->addRow(label, field);
  fields_.push_back(field);
  rows_[field] = form;
  return field;
}

JsonField* ScenarioForm::add_choice(QFormLayout* form, const QString& label, const std::string& pointer,
                                    const QStringList& choices, const QString& hint) {
  auto* field = new JsonField(doc_, pointer, choices, hint, this);
  form->addRow(label, field);
  fields_.push_back(field);
  rows_[field] = form;
  return field;
}

JsonField* ScenarioForm::field(const std::string& pointer) const {
  for (auto* f : fields_)
    if (f->pointer() == pointer) return f;
  return candidates_->field(key_of(pointer)) && candidates_->field(key_of(pointer))->pointer() == pointer
             ? candidates_->field(key_of(pointer))
             : nullptr;
}

void ScenarioForm::update_visibility() {
  const auto wtype = doc_->value("/workload/type");
  const auto dtype = doc_->value("/service/warm/type");
  for (auto* f : fields_) {
    const std::string& p = f->pointer();
    bool visible = true;
    const std::string key = key_of(p);
    if (p.rfind("/workload/", 0) == 0 && key != "type") {
      const auto it = workload_keys().find(wtype.is_string() ? wtype.get<std::string>() : "");
      visible = it == workload_keys().end() ||
                std::find(it->second.begin(), it->second.end(), key) != it->second.end();
    }
    if (p.rfind("/service/warm/", 0) == 0 && key != "type") {
      const auto it = distribution_keys().find(dtype.is_string() ? dtype.get<std::string>() : "");
      visible = it == distribution_keys().end() ||
                std::find(it->second.begin(), it->second.end(), key) != it->second.end();
    }
    // A set key stays visible even where it does not belong, so that its error can be seen and fixed.
    visible = visible || !doc_->value(p).is_null();
    rows_.at(f)->setRowVisible(f, visible);
  }
}

void ScenarioForm::reload() {
  for (auto* f : fields_) {
    f->reload();
    f->show_error({});
  }
  candidates_->reload();
  update_visibility();
}

void ScenarioForm::show_issue(const ScenarioIssue& issue) {
  for (auto* f : fields_) f->show_error({});
  candidates_->clear_errors();
  banner_->setVisible(!issue.is_ok());
  banner_->setText(QString::fromStdString(issue.text));
  if (issue.is_ok()) return;
  // The field with this pointer, else the nearest field above it (e.g. /service/warm for a bad distribution).
  JsonField* best = nullptr;
  for (auto* f : fields_) {
    const std::string& p = f->pointer();
    if (issue.pointer == p ||
        (issue.pointer.rfind(p, 0) == 0 && issue.pointer.size() > p.size() && issue.pointer[p.size()] == '/'))
      if (!best || p.size() > best->pointer().size()) best = f;
  }
  if (best) {
    best->show_error(QString::fromStdString(issue.message));
    return;
  }
  if (issue.pointer.rfind("/candidates/", 0) == 0) {
    // Errors of another candidate than the one shown: select it, then show the error there.
    const int index = std::atoi(issue.pointer.c_str() + std::string("/candidates/").size());
    if (index != candidates_->current()) candidates_->select(index);
    candidates_->show_issue(issue);
  }
}

}  // namespace servesim::gui
