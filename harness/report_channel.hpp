// What a measurement child tells its parent on the report pipe (fd 3): one line of JSON per message.
//
// While the variant runs, now and then: {"progress": {"done": d, "total": t, "unit": "pages"}}, so a
// run that is killed (at the time cap, by the OOM killer) still says how far it got.
// At the end, once: the report, an object with "outcome" (see MeasuredRun::result).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace oomlab {

// Writes `message` and a newline to `fd`, retrying short writes. False if the pipe is gone.
bool send_message(int fd, const nlohmann::json& message);

struct ChildMessages {
  nlohmann::json report;    // the final report; null if the child died before sending it
  nlohmann::json progress;  // the last {"done", "total", "unit"}; null if none came
};

// A measured command's progress line, "done total unit" (`oomlab measure`, OOMLAB_PROGRESS_FD), as a
// progress object; nothing for a line that is not one. The unit is optional ("steps").
std::optional<nlohmann::json> parse_progress_line(const std::string& line);

// Reads everything the child sent: JSON messages, or a measured command's plain progress lines.
// A line cut short by a kill is ignored.
ChildMessages read_messages(const std::string& text);

// "37% done (12345 of 33333 pages)" for a progress object; "" for null.
std::string progress_text(const nlohmann::json& progress);

}  // namespace oomlab
