// Ranks as threads of one process: a RankExchange for testing distributed runs without MPI
// (tests/test_parallel_run.cpp runs one Simulator per rank, each on its own std::thread).
// The collectives meet at a std::barrier: each rank deposits its contribution, waits for
// all, reads everyone's, and waits again before the slots can be reused.
#pragma once

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "engine/rank_exchange.hpp"

namespace ionspike {

class LocalRankGroup {
 public:
  explicit LocalRankGroup(std::uint32_t ranks) : sync_(ranks), bytes_(ranks), values_(ranks), flags_(ranks) {}

  // The exchange of one rank (each used by one thread only).
  std::shared_ptr<RankExchange> rank(std::uint32_t r) { return std::make_shared<Member>(*this, r); }

 private:
  class Member : public RankExchange {
   public:
    Member(LocalRankGroup& group, std::uint32_t rank) : group_(group), rank_(rank) {}
    std::uint32_t rank() const override { return rank_; }
    std::uint32_t ranks() const override { return static_cast<std::uint32_t>(group_.bytes_.size()); }
    void allgather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                   std::vector<std::size_t>& offsets) override {
      const auto start = std::chrono::steady_clock::now();
      group_.bytes_[rank_].assign(mine.begin(), mine.end());
      group_.sync_.arrive_and_wait();
      offsets.assign(1, 0);
      for (const auto& b : group_.bytes_) offsets.push_back(offsets.back() + b.size());
      all.resize(offsets.back());
      for (std::size_t r = 0; r < group_.bytes_.size(); ++r)
        if (!group_.bytes_[r].empty()) std::memcpy(all.data() + offsets[r], group_.bytes_[r].data(), group_.bytes_[r].size());
      group_.sync_.arrive_and_wait();
      seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    double min_over_ranks(double value) override {
      group_.values_[rank_] = value;
      group_.sync_.arrive_and_wait();
      const double m = *std::min_element(group_.values_.begin(), group_.values_.end());
      group_.sync_.arrive_and_wait();
      return m;
    }
    bool any_rank(bool flag) override {
      group_.flags_[rank_] = flag ? 1 : 0;
      group_.sync_.arrive_and_wait();
      const bool any = std::any_of(group_.flags_.begin(), group_.flags_.end(), [](char f) { return f != 0; });
      group_.sync_.arrive_and_wait();
      return any;
    }
    double communication_seconds() const override { return seconds_; }

   private:
    LocalRankGroup& group_;
    std::uint32_t rank_;
    double seconds_ = 0.0;
  };

  std::barrier<> sync_;
  std::vector<std::vector<std::byte>> bytes_;
  std::vector<double> values_;
  std::vector<char> flags_;
};

}  // namespace ionspike
