#include "core/eval/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace hearth {

namespace {

std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// Pixel coordinates with two decimals: enough for any screen, short files.
std::string px(double v) { return fmt("%.2f", v); }

// Tick label with as many decimals as the step needs (0.05 -> 2), and no "-0".
std::string tick_label(double v, double step) {
    const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    if (std::fabs(v) < step * 1e-6) v = 0.0;
    char format[16];
    std::snprintf(format, sizeof format, "%%.%df", std::min(decimals, 6));
    return fmt(format, v);
}

double nice_step(double range, int target) {
    const double raw = range / std::max(1, target);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double m = raw / magnitude;
    const double nice = m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0;
    return nice * magnitude;
}

}  // namespace

std::string xml_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
    if (hi < lo) std::swap(lo, hi);
    if (hi - lo < 1e-12) {  // one value: a unit-wide window around it
        lo -= 0.5;
        hi += 0.5;
    }
    const double step = nice_step(hi - lo, target);
    const double first = std::floor(lo / step + 1e-9) * step;
    const double last = std::ceil(hi / step - 1e-9) * step;
    std::vector<double> ticks;
    for (int i = 0;; ++i) {
        const double t = first + i * step;  // multiply, not accumulate: no drift
        if (t > last + step * 1e-6) break;
        ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    }
    return ticks;
}

std::string render_line_chart(const LineChart& chart, int width, int height) {
    static const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                           "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    const double left = 72, right = 200, top = 48, bottom = 58;
    const double plot_w = std::max(10.0, width - left - right);
    const double plot_h = std::max(10.0, height - top - bottom);

    double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
    double y_lo = x_lo, y_hi = -x_lo;
    for (const ChartSeries& s : chart.series)
        for (const auto& [x, y] : s.points) {
            if (!std::isfinite(x) || !std::isfinite(y)) continue;
            x_lo = std::min(x_lo, x); x_hi = std::max(x_hi, x);
            y_lo = std::min(y_lo, y); y_hi = std::max(y_hi, y);
        }
    if (!std::isfinite(x_lo)) { x_lo = 0; x_hi = 1; y_lo = 0; y_hi = 1; }
    if (chart.zero_line) { y_lo = std::min(y_lo, 0.0); y_hi = std::max(y_hi, 0.0); }
    const std::vector<double> x_ticks = nice_ticks(x_lo, x_hi, 8);
    const std::vector<double> y_ticks = nice_ticks(y_lo, y_hi, 6);
    x_lo = x_ticks.front(); x_hi = x_ticks.back();
    y_lo = y_ticks.front(); y_hi = y_ticks.back();
    const double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1.0;
    const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1.0;
    auto sx = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * plot_w; };
    auto sy = [&](double y) { return top + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h; };

    std::string o;
    o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
         "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) +
         " " + std::to_string(height) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    o += "<title>" + xml_escape(chart.title) + "</title>\n";
    o += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    o += "<text x=\"" + px(left + plot_w / 2) + "\" y=\"26\" text-anchor=\"middle\" font-size=\"15\" "
         "font-weight=\"bold\">" + xml_escape(chart.title) + "</text>\n";

    // Grid and ticks.
    o += "<g stroke=\"#e4e4e4\" stroke-width=\"1\">\n";
    for (double t : y_ticks)
        o += "<line x1=\"" + px(left) + "\" y1=\"" + px(sy(t)) + "\" x2=\"" + px(left + plot_w) +
             "\" y2=\"" + px(sy(t)) + "\"/>\n";
    for (double t : x_ticks)
        o += "<line x1=\"" + px(sx(t)) + "\" y1=\"" + px(top) + "\" x2=\"" + px(sx(t)) + "\" y2=\"" +
             px(top + plot_h) + "\"/>\n";
    o += "</g>\n";
    if (chart.zero_line && y_lo < 0.0 && y_hi > 0.0)
        o += "<line x1=\"" + px(left) + "\" y1=\"" + px(sy(0)) + "\" x2=\"" + px(left + plot_w) +
             "\" y2=\"" + px(sy(0)) + "\" stroke=\"#888888\" stroke-dasharray=\"4 3\"/>\n";
    o += "<g stroke=\"#333333\" stroke-width=\"1\">\n";
    o += "<line x1=\"" + px(left) + "\" y1=\"" + px(top + plot_h) + "\" x2=\"" + px(left + plot_w) +
         "\" y2=\"" + px(top + plot_h) + "\"/>\n";
    o += "<line x1=\"" + px(left) + "\" y1=\"" + px(top) + "\" x2=\"" + px(left) + "\" y2=\"" +
         px(top + plot_h) + "\"/>\n";
    for (double t : x_ticks)
        o += "<line x1=\"" + px(sx(t)) + "\" y1=\"" + px(top + plot_h) + "\" x2=\"" + px(sx(t)) +
             "\" y2=\"" + px(top + plot_h + 5) + "\"/>\n";
    for (double t : y_ticks)
        o += "<line x1=\"" + px(left - 5) + "\" y1=\"" + px(sy(t)) + "\" x2=\"" + px(left) +
             "\" y2=\"" + px(sy(t)) + "\"/>\n";
    o += "</g>\n<g fill=\"#333333\">\n";
    for (double t : x_ticks)
        o += "<text x=\"" + px(sx(t)) + "\" y=\"" + px(top + plot_h + 19) +
             "\" text-anchor=\"middle\">" + tick_label(t, x_step) + "</text>\n";
    for (double t : y_ticks)
        o += "<text x=\"" + px(left - 8) + "\" y=\"" + px(sy(t) + 4) + "\" text-anchor=\"end\">" +
             tick_label(t, y_step) + "</text>\n";
    o += "<text x=\"" + px(left + plot_w / 2) + "\" y=\"" + px(height - 14.0) +
         "\" text-anchor=\"middle\">" + xml_escape(chart.x_label) + "</text>\n";
    o += "<text transform=\"translate(18 " + px(top + plot_h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + xml_escape(chart.y_label) + "</text>\n";
    o += "</g>\n";

    // Series: the emphasised ones last, so they are drawn on top; the legend lists them first.
    std::vector<size_t> order, legend;
    for (size_t i = 0; i < chart.series.size(); ++i)
        if (!chart.series[i].emphasis) order.push_back(i);
    for (size_t i = 0; i < chart.series.size(); ++i)
        if (chart.series[i].emphasis) { order.push_back(i); legend.push_back(i); }
    for (size_t i = 0; i < chart.series.size(); ++i)
        if (!chart.series[i].emphasis) legend.push_back(i);
    std::vector<std::string> color(chart.series.size());
    for (size_t i = 0, c = 0; i < chart.series.size(); ++i)
        color[i] = chart.series[i].emphasis ? "#111111" : kPalette[c++ % 8];
    auto stroke = [&](size_t i) {
        return chart.series[i].emphasis ? std::string("3.5") : std::string("1.8");
    };

    for (size_t i : order) {
        const ChartSeries& s = chart.series[i];
        std::string points, dots;
        for (const auto& [x, y] : s.points) {
            if (!std::isfinite(x) || !std::isfinite(y)) continue;
            if (!points.empty()) points += ' ';
            points += px(sx(x)) + "," + px(sy(y));
            dots += "<circle cx=\"" + px(sx(x)) + "\" cy=\"" + px(sy(y)) + "\" r=\"" +
                    (s.emphasis ? "3.5" : "2.5") + "\"/>";
        }
        o += "<g fill=\"" + color[i] + "\"><title>" + xml_escape(s.name) + "</title>\n";
        o += "<polyline fill=\"none\" stroke=\"" + color[i] + "\" stroke-width=\"" + stroke(i) +
             "\" stroke-linejoin=\"round\" points=\"" + points + "\"/>\n";
        if (!dots.empty()) o += dots + "\n";
        o += "</g>\n";
    }

    // Legend, to the right of the plot.
    const double lx = left + plot_w + 18;
    double ly = top + 8;
    for (size_t i : legend) {
        o += "<line x1=\"" + px(lx) + "\" y1=\"" + px(ly) + "\" x2=\"" + px(lx + 24) + "\" y2=\"" +
             px(ly) + "\" stroke=\"" + color[i] + "\" stroke-width=\"" + stroke(i) + "\"/>\n";
        o += "<text x=\"" + px(lx + 30) + "\" y=\"" + px(ly + 4) + "\"" +
             (chart.series[i].emphasis ? " font-weight=\"bold\"" : "") + ">" +
             xml_escape(chart.series[i].name) + "</text>\n";
        ly += 20;
    }
    o += "</svg>\n";
    return o;
}

}  // namespace hearth
