// RankExchange over MPI (engine/rank_exchange.hpp): a distributed run's collectives as calls
// of the MpiWorld communication layer (engine/mpi_world.hpp). Built only with
// -DIONSPIKE_MPI=ON (target ionspike_mpi); the engine itself does not depend on MPI.
#pragma once

#include "engine/mpi_world.hpp"
#include "engine/rank_exchange.hpp"

namespace ionspike {

class MpiRankExchange : public RankExchange {
 public:
  // `world` must outlive the exchange (main creates both, the world first).
  explicit MpiRankExchange(MpiWorld& world) : world_(world) {}
  std::uint32_t rank() const override { return static_cast<std::uint32_t>(world_.rank()); }
  std::uint32_t ranks() const override { return static_cast<std::uint32_t>(world_.size()); }
  void allgather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                 std::vector<std::size_t>& offsets) override {
    world_.allgather(mine, all, offsets);
  }
  void gather_to_root(std::span<const std::byte> mine, std::vector<std::byte>& all,
                      std::vector<std::size_t>& offsets) override {
    all = world_.gather_to_root(mine, offsets);
  }
  double min_over_ranks(double value) override { return world_.min_over_ranks(value); }
  bool any_rank(bool flag) override { return world_.any_rank(flag); }
  double communication_seconds() const override { return world_.communication_seconds(); }

 private:
  MpiWorld& world_;
};

}  // namespace ionspike
