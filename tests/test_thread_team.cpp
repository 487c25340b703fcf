// The thread team of the parallel windows (engine/thread_team.hpp): every task of every round
// runs exactly once, rounds follow one another without overlap, exceptions reach the caller.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "engine/thread_team.hpp"

using namespace ionspike;

TEST_CASE("thread team: each task of each round runs once, rounds do not overlap", "[parallel]") {
  for (std::uint32_t threads : {1u, 2u, 3u}) {
    ThreadTeam team(threads);
    CHECK(team.threads() == threads);
    std::vector<std::atomic<int>> runs(7);
    std::atomic<int> in_round{0};
    bool overlapped = false;
    for (int round = 0; round < 2000; ++round) {
      const auto n = static_cast<std::uint32_t>(round % 8);  // 0 .. 7 tasks
      team.run(n, [&](std::uint32_t i) {
        ++runs[i];
        in_round.fetch_add(1);
      });
      if (in_round.exchange(0) != static_cast<int>(n)) overlapped = true;
    }
    CHECK_FALSE(overlapped);
    for (std::uint32_t i = 0; i < 7; ++i) CHECK(runs[i].load() == 250 * static_cast<int>(7 - i));
  }
}

TEST_CASE("thread team: an exception in a task is rethrown to the caller, the team goes on", "[parallel]") {
  ThreadTeam team(2);
  std::atomic<int> done{0};
  CHECK_THROWS_WITH(team.run(6,
                             [&](std::uint32_t i) {
                               if (i == 3) throw std::runtime_error("task 3 failed");
                               ++done;
                             }),
                    "task 3 failed");
  CHECK(done.load() == 5);
  team.run(4, [&](std::uint32_t) { ++done; });
  CHECK(done.load() == 9);
}
