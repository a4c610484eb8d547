// Protects the child's environment: each variable the harness sets appears once, with the harness's
// value. glibc's getenv and CPython take the first entry of a name, so an inherited TMPDIR left in
// front of the harness's would send a variant's spill files to the caller's folder.
#include <gtest/gtest.h>

#include <algorithm>

#include "child_process.hpp"

namespace {

long count_named(const std::vector<std::string>& environment, const std::string& name) {
  return std::count_if(environment.begin(), environment.end(),
                       [&](const std::string& entry) { return entry.rfind(name + "=", 0) == 0; });
}

TEST(ChildEnvironment, AHarnessEntryReplacesTheInheritedOne) {
  const auto merged = oomlab::merged_environment({"TMPDIR=/tmp", "HOME=/root", "TMPDIRX=keep"},
                                                 {"TMPDIR=/var/tmp/oomlab-scratch-1"});
  EXPECT_EQ(count_named(merged, "TMPDIR"), 1);
  EXPECT_NE(std::find(merged.begin(), merged.end(), "TMPDIR=/var/tmp/oomlab-scratch-1"), merged.end());
  // Names are matched whole: TMPDIRX is another variable, and the rest is kept as it was.
  EXPECT_NE(std::find(merged.begin(), merged.end(), "TMPDIRX=keep"), merged.end());
  EXPECT_NE(std::find(merged.begin(), merged.end(), "HOME=/root"), merged.end());
  EXPECT_EQ(merged.size(), 3u);
}

TEST(ChildEnvironment, DuplicatesInEitherListEndAsOneEntryWithTheHarnessValue) {
  const auto merged = oomlab::merged_environment({"A=caller1", "A=caller2"}, {"A=harness1", "A=harness2"});
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0], "A=harness2");
}

}  // namespace
