#include "gui/servesim_binary.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <QStringList>

namespace servesim::gui {

QString find_servesim_binary(QString* why) {
  const auto is_program = [](const QString& path) {
    const QFileInfo f(path);
    return f.isFile() && f.isExecutable();
  };
  if (const QString given = qEnvironmentVariable("SERVESIM_BIN"); !given.isEmpty()) {
    if (is_program(given)) return QFileInfo(given).absoluteFilePath();
    if (why) *why = QObject::tr("SERVESIM_BIN=%1 is not an executable file").arg(given);
    return {};
  }
  const QDir app(QCoreApplication::applicationDirPath());
  const QStringList places{app.filePath("servesim"), app.filePath("../cli/servesim")};  // install, build tree
  for (const QString& path : places)
    if (is_program(path)) return QFileInfo(path).canonicalFilePath();
  if (why)
    *why = QObject::tr(
               "servesim, which the app runs for profiles and calibrations, is not beside servesim-gui "
               "(looked for %1 and %2); build it or set SERVESIM_BIN")
               .arg(QDir::cleanPath(places[0]), QDir::cleanPath(places[1]));
  return {};
}

}  // namespace servesim::gui
