// A self-contained SVG line chart (no scripts, no fonts or styles from outside): named
// series of (x, y) points with axes, ticks, a legend and a title. Used for the re-ranking
// sweeps of `hearth eval --sweep`, readable in any browser or image viewer.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace hearth {

struct ChartSeries {
    std::string name;
    std::vector<std::pair<double, double>> points;  // (x, y); non-finite points are left out
    bool emphasis = false;                          // drawn thicker and darker, listed first
};

struct LineChart {
    std::string title;
    std::string x_label;
    std::string y_label;
    std::vector<ChartSeries> series;
    bool zero_line = true;  // a reference line at y = 0 when 0 is in range
};

// The chart as one <svg> element. Every series becomes one <polyline> (empty when it has
// no finite point, so the legend still names it), with a circle per point.
std::string render_line_chart(const LineChart& chart, int width = 760, int height = 460);

// Round tick positions ("nice" steps of 1, 2 or 5 times a power of ten) covering
// [lo, hi], about `target` of them. For tests and for the chart itself.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

// Text escaped for SVG/XML character data and attribute values.
std::string xml_escape(const std::string& text);

}  // namespace hearth
