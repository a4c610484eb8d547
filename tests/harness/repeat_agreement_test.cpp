// A third repeat is skipped only when the first two ended ok and agree on peak and time.
#include "repeat_agreement.hpp"

#include <gtest/gtest.h>

namespace oomlab {
namespace {

nlohmann::json record(double peak_bytes, double seconds, const char* outcome = "ok") {
  return {{"outcome", outcome}, {"peak_delta_bytes", peak_bytes}, {"wall_seconds", seconds}};
}

constexpr double kMiB = 1 << 20;

TEST(RepeatAgreement, NeedsTwoRepeatsBeforeItCanSettle) {
  RepeatAgreement repeats;
  EXPECT_FALSE(repeats.settled("p"));
  repeats.note("p", record(100 * kMiB, 1.0));
  EXPECT_FALSE(repeats.settled("p"));
  repeats.note("p", record(100 * kMiB, 1.0));
  EXPECT_TRUE(repeats.settled("p"));
  EXPECT_FALSE(repeats.settled("another point"));
}

TEST(RepeatAgreement, TwoCloseRepeatsSettleAndSayHowClose) {
  RepeatAgreement repeats;
  repeats.note("p", record(100 * kMiB, 1.00));
  repeats.note("p", record(101 * kMiB, 1.05));  // 1% and 5% apart
  const auto why = repeats.settled("p");
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "repeats 1-2 agree: peak within 1.0%, time within 5%");
}

TEST(RepeatAgreement, APeakOrATimeApartAsksForAThird) {
  RepeatAgreement peaks_apart, times_apart;
  peaks_apart.note("p", record(100 * kMiB, 1.0));
  peaks_apart.note("p", record(104 * kMiB, 1.0));  // 4 MiB, 3.8%: more than 2% and 1 MiB
  EXPECT_FALSE(peaks_apart.settled("p"));
  times_apart.note("p", record(100 * kMiB, 1.0));
  times_apart.note("p", record(100 * kMiB, 1.2));  // 17%
  EXPECT_FALSE(times_apart.settled("p"));
}

TEST(RepeatAgreement, SmallAbsoluteDifferencesAgreeWhateverTheirShare) {
  RepeatAgreement repeats;
  repeats.note("p", record(0, 0.0010));
  repeats.note("p", record(512 * 1024, 0.0025));  // half a MiB from nothing; 1.5 ms
  const auto why = repeats.settled("p");
  ASSERT_TRUE(why);
  EXPECT_EQ(*why, "repeats 1-2 agree: peak within 0.50 MiB, time within 1.50 ms");
}

TEST(RepeatAgreement, ARepeatThatDidNotEndOkAsksForAThird) {
  RepeatAgreement repeats;
  repeats.note("p", record(100 * kMiB, 1.0));
  repeats.note("p", record(100 * kMiB, 1.0, "timeout"));
  EXPECT_FALSE(repeats.settled("p"));
}

TEST(RepeatAgreement, ATreeIsJudgedByItsTreePeak) {
  RepeatAgreement repeats;
  nlohmann::json first = record(10 * kMiB, 1.0), second = record(10 * kMiB, 1.0);
  first["tree_peak_delta_bytes"] = 200 * kMiB;
  second["tree_peak_delta_bytes"] = 250 * kMiB;  // the workers differed, not the parent
  repeats.note("p", first);
  repeats.note("p", second);
  EXPECT_FALSE(repeats.settled("p"));
}

}  // namespace
}  // namespace oomlab
