// Result records: one JSON object per measurement, one line each, appended to
// results/<machine-id>/<experiment>.jsonl. The field names are a contract (see README, Records).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace oomlab {

inline constexpr const char* kRecordSchema = "oomlab.record/1";

// Appends `record` as one line. The line goes out in a single write() to a file opened with
// O_APPEND, under an exclusive flock, so concurrent or interrupted runs never leave a broken or
// interleaved line. If the file ends in a torn line (a writer killed mid-write), the record starts on
// a new line. A short write is cut off again. Creates the folder if needed. Throws
// std::runtime_error naming the file on failure.
void append_record(const std::filesystem::path& file, const nlohmann::json& record);

// Now, as a record's `recorded_at` says it: "2026-11-30T10:00:00Z" (UTC).
std::string iso_time_now();

// results/<machine-id>/<experiment>.jsonl under `results_root`.
std::filesystem::path record_file(const std::filesystem::path& results_root, const std::string& machine_id,
                                  const std::string& experiment);

}  // namespace oomlab
