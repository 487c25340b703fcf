#include "tools/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"

namespace ionspike {
namespace {

const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// "Nice" tick step for a range (1, 2 or 5 times a power of ten, about 6 ticks).
double tick_step(double span) {
  const double raw = span / 6.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10.0 * mag;
}

}  // namespace

std::string render_svg(const Plot& input, int width, int height) {
  // Logarithmic axes: plot log10 of the data, label ticks with the powers of ten.
  Plot plot = input;
  for (auto& s : plot.series) {
    for (double& x : s.x) x = !plot.log_x ? x : x > 0 ? std::log10(x) : std::nan("");
    for (double& y : s.y) y = !plot.log_y ? y : y > 0 ? std::log10(y) : std::nan("");
  }
  if (plot.log_y) plot.zero_line = false;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : plot.series)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  if (!(x0 <= x1)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (plot.zero_line) y0 = std::min(y0, 0.0), y1 = std::max(y1, 0.0);
  if (x1 == x0) x0 -= 1, x1 += 1;
  if (y1 == y0) y0 -= 1, y1 += 1;
  const double pad_y = 0.05 * (y1 - y0);
  y0 -= pad_y, y1 += pad_y;
  const double left = 78, right = width - 20.0, top = 36, bottom = height - 52.0;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (right - left); };
  auto py = [&](double y) { return bottom - (y - y0) / (y1 - y0) * (bottom - top); };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height);
  svg += fmt::format("<text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{}</text>\n", width / 2,
                     escape(plot.title));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n", left,
                     top, right - left, bottom - top);
  const double sx = plot.log_x ? std::max(1.0, std::round(tick_step(x1 - x0))) : tick_step(x1 - x0);
  const double sy = plot.log_y ? std::max(1.0, std::round(tick_step(y1 - y0))) : tick_step(y1 - y0);
  auto label = [](double v, double step, bool log) {
    if (log) return fmt::format("{:g}", std::pow(10.0, v));
    return fmt::format("{:g}", std::abs(v) < 1e-12 * step ? 0.0 : v);
  };
  for (double x = std::ceil(x0 / sx) * sx; x <= x1 + 1e-9 * sx; x += sx)
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"black\"/>"
                       "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                       px(x), bottom, bottom + 5, bottom + 18, label(x, sx, plot.log_x));
  for (double y = std::ceil(y0 / sy) * sy; y <= y1 + 1e-9 * sy; y += sy)
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"black\"/>"
                       "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
                       left - 5, py(y), left, left - 8, py(y) + 4, label(y, sy, plot.log_y));
  if (plot.zero_line && y0 < 0 && y1 > 0)
    svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n",
                       left, py(0), right, py(0));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", (left + right) / 2, height - 12,
                     escape(plot.x_label));
  svg += fmt::format("<text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">{}</text>\n",
                     (top + bottom) / 2, (top + bottom) / 2, escape(plot.y_label));
  for (std::size_t k = 0; k < plot.series.size(); ++k) {
    const auto& s = plot.series[k];
    const char* colour = kColours[k % std::size(kColours)];
    std::string points;
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
        points += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
    if (s.line)
      svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n", points, colour);
    if (s.markers)
      for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]))
          svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>\n", px(s.x[i]), py(s.y[i]), colour);
    if (!s.label.empty())
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"3\" fill=\"{}\"/>"
                         "<text x=\"{}\" y=\"{}\">{}</text>\n",
                         right - 150, top + 12 + 16 * k, colour, right - 134, top + 16 + 16 * k, escape(s.label));
  }
  return svg + "</svg>\n";
}

void write_svg(const std::filesystem::path& path, const Plot& plot, int width, int height) {
  AtomicFile file(path);
  file.stream() << render_svg(plot, width, height);
  file.commit();
}

}  // namespace ionspike
