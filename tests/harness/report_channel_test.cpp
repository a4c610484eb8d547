// Protects the report pipe's protocol: progress notes while a variant runs, then the report. Easy to
// break: take the first line as the report, or trip over the half line a kill leaves behind.
#include "report_channel.hpp"

#include <gtest/gtest.h>

namespace {

TEST(ReportChannel, TheReportAndTheLastProgressNoteAreFound) {
  const auto messages = oomlab::read_messages(
      "{\"progress\":{\"done\":1,\"total\":4,\"unit\":\"pages\"}}\n"
      "{\"progress\":{\"done\":3,\"total\":4,\"unit\":\"pages\"}}\n"
      "{\"outcome\":\"ok\",\"peak_delta_bytes\":7}\n");
  EXPECT_EQ(messages.progress.at("done"), 3);
  EXPECT_EQ(messages.report.at("peak_delta_bytes"), 7);
}

TEST(ReportChannel, AKilledChildHasProgressButNoReport) {
  // Killed while it wrote its second note: that half line is dropped, the first note stands.
  const auto messages = oomlab::read_messages(
      "{\"progress\":{\"done\":2,\"total\":8,\"unit\":\"steps\"}}\n{\"progress\":{\"do");
  EXPECT_TRUE(messages.report.is_null());
  EXPECT_EQ(messages.progress.at("done"), 2);
  EXPECT_EQ(oomlab::progress_text(messages.progress), "25% done (2 of 8 steps)");
}

TEST(ReportChannel, ProgressTextRoundsDown) {
  EXPECT_EQ(oomlab::progress_text({{"done", 999}, {"total", 1000}, {"unit", "pages"}}), "99% done (999 of 1000 pages)");
  EXPECT_EQ(oomlab::progress_text({{"done", 512}, {"total", 73728}, {"unit", "pages"}}), "0.6% done (512 of 73728 pages)");
  EXPECT_EQ(oomlab::progress_text({{"done", 880}, {"total", 2516582}, {"unit", "elements"}}),
            "0.03% done (880 of 2516582 elements)");
  EXPECT_EQ(oomlab::progress_text({{"done", 240}, {"total", 5033164}, {"unit", "elements"}}),
            "<0.01% done (240 of 5033164 elements)");
  EXPECT_EQ(oomlab::progress_text({{"done", 0}, {"total", 8}, {"unit", "steps"}}), "0% done (0 of 8 steps)");
}

TEST(ReportChannel, NothingSentIsNullEverywhere) {
  const auto messages = oomlab::read_messages("");
  EXPECT_TRUE(messages.report.is_null());
  EXPECT_TRUE(messages.progress.is_null());
  EXPECT_EQ(oomlab::progress_text(messages.progress), "");
}

}  // namespace
