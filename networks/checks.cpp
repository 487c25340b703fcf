#include "networks/checks.hpp"

#include <cmath>

#include <fmt/format.h>

namespace ionspike {

std::string format_number(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  return fmt::format("{:g}", v);
}

namespace {
// (Built with fmt: GCC 12 warns -Wrestrict, falsely, on " " + std::string(unit).)
std::string with_unit(std::string_view unit) { return unit.empty() ? std::string() : fmt::format(" {}", unit); }
}  // namespace

void Checker::in_range(const FieldPath& path, double value, double lo, double hi,
                       std::string_view unit, bool lo_open, bool hi_open) const {
  const bool ok = !std::isnan(value) && (lo_open ? value > lo : value >= lo) &&
                  (hi_open ? value < hi : value <= hi) && (std::isfinite(value) || !std::isfinite(lo) ||
                                                           !std::isfinite(hi));
  if (ok) return;
  fail(path, fmt::format("must be in {}{}, {}{}{}, got {}", lo_open ? "(" : "[", format_number(lo),
                         format_number(hi), hi_open ? ")" : "]", with_unit(unit),
                         format_number(value)));
}

void Checker::finite(const FieldPath& path, double value, std::string_view unit) const {
  if (!std::isfinite(value))
    fail(path, fmt::format("must be a finite number{}, got {}", unit.empty() ? "" : " (" + std::string(unit) + ")",
                           format_number(value)));
}

// The open upper end excludes inf, so these also refuse nan and inf (with the range).
void Checker::positive(const FieldPath& path, double value, std::string_view unit) const {
  in_range(path, value, 0.0, std::numeric_limits<double>::infinity(), unit, true, true);
}

void Checker::non_negative(const FieldPath& path, double value, std::string_view unit) const {
  in_range(path, value, 0.0, std::numeric_limits<double>::infinity(), unit, false, true);
}

void Checker::value(const FieldPath& path, const pb::Value& v, std::string_view unit, double lo,
                    double hi) const {
  switch (v.kind_case()) {
    case pb::Value::kConstant:
      finite(path / "constant", v.constant(), unit);
      in_range(path / "constant", v.constant(), lo, hi, unit);
      return;
    case pb::Value::kUniform: {
      const auto& u = v.uniform();
      const FieldPath up = path / "uniform";
      finite(up / "low", u.low(), unit);
      finite(up / "high", u.high(), unit);
      in_range(up / "low", u.low(), lo, hi, unit);
      in_range(up / "high", u.high(), u.low(), hi, unit);
      if (!std::isfinite(u.high() - u.low()))
        fail(up / "high", fmt::format("high - low must be in [0, {}]{}, got {} - {} = inf",
                                      format_number(std::numeric_limits<double>::max()), with_unit(unit),
                                      format_number(u.high()), format_number(u.low())));
      return;
    }
    case pb::Value::kNormal: {
      const auto& n = v.normal();
      const FieldPath np = path / "normal";
      finite(np / "mean", n.mean(), unit);
      non_negative(np / "stddev", n.stddev(), unit);
      if (std::isnan(n.low())) fail(np / "low", "must not be nan");
      if (std::isnan(n.high())) fail(np / "high", "must not be nan");
      // Draws are redrawn into [low, high], so the bounds keep every draw in [lo, hi].
      if (n.low() < lo)
        fail(np / "low", fmt::format("must be in [{}, {}]{} (set low: draws are redrawn into [low, high]), got {}",
                                     format_number(lo), format_number(hi), with_unit(unit),
                                     format_number(n.low())));
      if (n.high() > hi)
        fail(np / "high", fmt::format("must be in [{}, {}]{} (set high: draws are redrawn into [low, high]), got {}",
                                      format_number(lo), format_number(hi), with_unit(unit),
                                      format_number(n.high())));
      if (!(n.low() < n.high()))
        fail(np / "high", fmt::format("must be > low ({}), got {}", format_number(n.low()),
                                      format_number(n.high())));
      if (n.stddev() == 0.0) {
        in_range(np / "mean", n.mean(), n.low(), n.high(), unit);
        return;
      }
      // Probability mass of [low, high]. Draws outside are redrawn, and the random stream gives
      // up after 10'000 consecutive misses: with mass m a draw fails with probability
      // (1 - m)^10'000, about e^-100 for m = 0.01 (e^-10 for 1e-3, which a network of a
      // million synapses would hit).
      const double s = n.stddev() * std::sqrt(2.0);
      const double mass = 0.5 * (std::erfc((n.low() - n.mean()) / s) - std::erfc((n.high() - n.mean()) / s));
      if (!(mass >= kMinTruncatedNormalMass))
        fail(np, fmt::format("the interval [low, high] = [{}, {}] holds only {:.3g} of the probability of "
                             "Normal(mean {}, stddev {}) (at least {} needed)",
                             format_number(n.low()), format_number(n.high()), mass, format_number(n.mean()),
                             format_number(n.stddev()), kMinTruncatedNormalMass));
      return;
    }
    case pb::Value::KIND_NOT_SET:
      fail(path, "no value given: set one of constant, uniform, normal");
  }
}

void Checker::name(const FieldPath& path, const std::string& name) const {
  auto ok_char = [](char c, bool first) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (!first && (c == '.' || c == '-'));
  };
  bool ok = !name.empty() && name.size() <= 128;
  for (std::size_t i = 0; ok && i < name.size(); ++i) ok = ok_char(name[i], i == 0);
  if (!ok)
    fail(path, "must be a name of 1 to 128 characters from [A-Za-z0-9_.-], not starting with '.' or "
               "'-', got '" + name + "'");
}

}  // namespace ionspike
