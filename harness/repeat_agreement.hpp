// When a third repeat is worth its time. Memory figures repeat almost exactly, and most times within
// a few percent: where the first two repeats of a point agree, a third one moves the median by less
// than the two differ, and costs the suite a fresh child (a Python start alone is 0.13 s). So repeats
// beyond the second run only while the first two disagree, or one of them did not end ok. A
// `--repeat N` that the user gives is always run in full.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace oomlab {

class RepeatAgreement {
 public:
  // Two repeats agree when their peaks above baseline differ by at most this share of the larger
  // (or kPeakSlackBytes, one allocator chunk) and their times by at most this share (or kTimeSlackSeconds).
  static constexpr double kPeakShare = 0.02;
  static constexpr double kPeakSlackBytes = 1 << 20;
  static constexpr double kTimeShare = 0.10;
  static constexpr double kTimeSlackSeconds = 0.002;

  // Remembers a record of the point `point` (experiment, profile, language, variant and size).
  void note(const std::string& point, const nlohmann::json& record);

  // Why a further repeat of `point` is not needed ("repeats 1-2 agree: peak within 0.3%, time within
  // 4%"), or nothing when it is.
  std::optional<std::string> settled(const std::string& point) const;

 private:
  struct Figures {
    bool ok = false;
    double peak_bytes = 0;
    double seconds = 0;
  };
  std::map<std::string, std::vector<Figures>> figures_by_point_;
};

}  // namespace oomlab
