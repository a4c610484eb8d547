// Newline-delimited JSON on the report pipe: writing messages, and reading them back.
#include "report_channel.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <sstream>

namespace oomlab {

bool send_message(int fd, const nlohmann::json& message) {
  const std::string text = message.dump() + "\n";
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t count = ::write(fd, text.data() + written, text.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return false;
    written += static_cast<std::size_t>(count);
  }
  return true;
}

std::optional<nlohmann::json> parse_progress_line(const std::string& line) {
  std::istringstream fields(line);
  double done = 0, total = 0;
  std::string unit;
  if (!(fields >> done >> total) || !std::isfinite(done) || !std::isfinite(total) || done < 0 || total < 0) {
    return std::nullopt;
  }
  if (!(fields >> unit)) unit = "steps";
  return nlohmann::json{{"done", done}, {"total", total}, {"unit", unit}};
}

ChildMessages read_messages(const std::string& text) {
  ChildMessages messages;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto message = nlohmann::json::parse(line, nullptr, false);
    if (!message.is_object()) {
      // A measured command's plain progress line, "done total unit", if whole: a line without its
      // newline may have been cut by the kill ("1200 5000" read as "1200 50").
      const bool whole_line = !lines.eof();
      if (auto progress = parse_progress_line(line); progress && whole_line) messages.progress = std::move(*progress);
      continue;
    }
    if (message.contains("progress")) {
      messages.progress = message.at("progress");
    } else if (message.contains("outcome")) {
      messages.report = message;
    }
  }
  return messages;
}

std::string progress_text(const nlohmann::json& progress) {
  if (!progress.is_object()) return "";
  const double done = progress.value("done", 0.0);
  const double total = progress.value("total", 0.0);
  std::ostringstream text;
  if (total > 0) {
    // Rounded down, so an unfinished run never reads "100%"; a small share keeps a digit that is not
    // zero: "0.7% done", "0.03% done", "<0.01% done".
    const double percent = 100.0 * done / total;
    const double scale = percent < 0.1 ? 100.0 : percent < 10.0 ? 10.0 : 1.0;
    const double shown = std::floor(percent * scale) / scale;
    if (shown == 0 && done > 0) {
      text << "<0.01% done (";  // begun, but less than any digit shown
    } else {
      text << shown << "% done (";
    }
  }
  text << static_cast<long long>(done) << " of " << static_cast<long long>(total) << " "
       << progress.value("unit", std::string("steps"));
  if (total > 0) text << ")";
  return text.str();
}

}  // namespace oomlab
