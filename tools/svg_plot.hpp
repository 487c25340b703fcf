// Minimal line/marker plots written as SVG (no plotting dependency): axes with ticks,
// labels, several series, a legend. Used by the ionspike tools for their plot images.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace ionspike {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
  bool markers = true;
  bool line = true;
};

struct Plot {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  bool zero_line = true;  // horizontal line at y = 0
  bool log_x = false;     // logarithmic axes: non-positive values are left out
  bool log_y = false;
};

// Renders the plot (width x height pixels) as an SVG document.
std::string render_svg(const Plot& plot, int width = 640, int height = 420);
// Writes it atomically.
void write_svg(const std::filesystem::path& path, const Plot& plot, int width = 640, int height = 420);

}  // namespace ionspike
