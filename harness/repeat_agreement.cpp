// Whether the first two repeats of a point agree closely enough to stop there.
#include "repeat_agreement.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace oomlab {
namespace {

// The difference as a share of the larger value; 0 when both are 0.
double relative_difference(double a, double b) {
  const double larger = std::max(std::fabs(a), std::fabs(b));
  return larger > 0 ? std::fabs(a - b) / larger : 0.0;
}

double number_or_zero(const nlohmann::json& record, const char* field) {
  const auto found = record.find(field);
  return found != record.end() && found->is_number() ? found->get<double>() : 0.0;
}

}  // namespace

void RepeatAgreement::note(const std::string& point, const nlohmann::json& record) {
  Figures figures;
  figures.ok = record.value("outcome", "") == "ok";
  // A tree's peak is the cgroup's (or the sampled sum's); a single process's is its VmHWM.
  const bool tree = record.contains("tree_peak_delta_bytes") && record.at("tree_peak_delta_bytes").is_number();
  figures.peak_bytes = number_or_zero(record, tree ? "tree_peak_delta_bytes" : "peak_delta_bytes");
  figures.seconds = number_or_zero(record, "wall_seconds");
  figures_by_point_[point].push_back(figures);
}

std::optional<std::string> RepeatAgreement::settled(const std::string& point) const {
  const auto found = figures_by_point_.find(point);
  if (found == figures_by_point_.end() || found->second.size() < 2) return std::nullopt;
  const Figures& first = found->second[0];
  const Figures& second = found->second[1];
  if (!first.ok || !second.ok) return std::nullopt;
  const double peak_share = relative_difference(first.peak_bytes, second.peak_bytes);
  const double time_share = relative_difference(first.seconds, second.seconds);
  const bool peaks_agree = peak_share <= kPeakShare || std::fabs(first.peak_bytes - second.peak_bytes) <= kPeakSlackBytes;
  const bool times_agree = time_share <= kTimeShare || std::fabs(first.seconds - second.seconds) <= kTimeSlackSeconds;
  if (!peaks_agree || !times_agree) return std::nullopt;
  // Where a share is large but the difference tiny (a noop's microseconds), the difference says why.
  char peak_text[32], time_text[32], why[160];
  if (peak_share <= kPeakShare) std::snprintf(peak_text, sizeof(peak_text), "%.1f%%", peak_share * 100);
  else std::snprintf(peak_text, sizeof(peak_text), "%.2f MiB", std::fabs(first.peak_bytes - second.peak_bytes) / kPeakSlackBytes);
  if (time_share <= kTimeShare) std::snprintf(time_text, sizeof(time_text), "%.0f%%", time_share * 100);
  else std::snprintf(time_text, sizeof(time_text), "%.2f ms", std::fabs(first.seconds - second.seconds) * 1e3);
  std::snprintf(why, sizeof(why), "repeats 1-2 agree: peak within %s, time within %s", peak_text, time_text);
  return std::string(why);
}

}  // namespace oomlab
