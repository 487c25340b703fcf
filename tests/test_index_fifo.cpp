// IndexFifo (neurons/index_fifo.hpp) against std::deque over a long random sequence of pushes
// and pops, through many compactions of the consumed prefix.
#include <catch2/catch.hpp>

#include <deque>
#include <vector>

#include "engine/random_stream.hpp"
#include "neurons/index_fifo.hpp"

using namespace ionspike;

TEST_CASE("IndexFifo keeps first-in first-out order and indexing through compactions", "[grid]") {
  IndexFifo fifo;
  std::deque<std::uint32_t> reference;
  RandomStream rng(3, "index_fifo");
  std::uint32_t next = 0;
  for (int step = 0; step < 200000; ++step) {
    // Phases that grow the queue to ~1000, then drain it, so compactions happen at many sizes.
    const bool growing = (step / 5000) % 2 == 0;
    if (rng.uniform01() < (growing ? 0.6 : 0.4)) {
      fifo.push_back(next);
      reference.push_back(next++);
    } else if (!reference.empty()) {
      REQUIRE(fifo.front() == reference.front());
      fifo.pop_front();
      reference.pop_front();
    }
    REQUIRE(fifo.size() == reference.size());
    REQUIRE(fifo.empty() == reference.empty());
    if (step % 997 == 0) {
      REQUIRE(std::vector<std::uint32_t>(fifo.begin(), fifo.end()) ==
              std::vector<std::uint32_t>(reference.begin(), reference.end()));
      for (std::size_t i = 0; i < reference.size(); ++i) REQUIRE(fifo[i] == reference[i]);
    }
  }
  const std::vector<std::uint32_t> values{5, 1, 9};
  fifo.assign(values.begin(), values.end());
  CHECK(fifo.size() == 3);
  CHECK(fifo[2] == 9);
  CHECK(fifo.front() == 5);
}
