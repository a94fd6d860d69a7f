#include "core/eval/sweep.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/common/error.h"

namespace hearth {

namespace {

float parse_strength(const std::string& text, const std::string& spec) {
    char* end = nullptr;
    errno = 0;
    const float v = std::strtof(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v))
        throw Error("argument", "--sweep " + spec + ": '" + text + "' is not a number");
    return v;
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    size_t pos = 0;
    for (;;) {
        const size_t next = text.find(sep, pos);
        parts.push_back(text.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
        if (next == std::string::npos) return parts;
        pos = next + 1;
    }
}

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

// Strengths are floats given with a few decimals: print them as given (0.05, not 0.0500000007).
std::string strength_text(float v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(v));
    return buf;
}

}  // namespace

SweepSpec parse_sweep(const std::string& text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos)
        throw Error("argument", "--sweep must be CONTROL=V1,V2,... or CONTROL=LO:HI:STEP, got '" + text + "'");
    SweepSpec s;
    s.control = text.substr(0, eq);
    if (s.control != "diversity" && s.control != "calibration" && s.control != "novelty")
        throw Error("argument", "--sweep control must be diversity, calibration or novelty, got '" +
                                    s.control + "'");
    const std::string values = text.substr(eq + 1);
    if (values.find(':') != std::string::npos) {
        const std::vector<std::string> r = split(values, ':');
        if (r.size() != 3) throw Error("argument", "--sweep " + text + ": a range is LO:HI:STEP");
        const double lo = parse_strength(r[0], text), hi = parse_strength(r[1], text),
                     step = parse_strength(r[2], text);
        if (!(step > 0.0)) throw Error("argument", "--sweep " + text + ": STEP must be positive");
        if (hi < lo) throw Error("argument", "--sweep " + text + ": HI is below LO");
        const double count = std::floor((hi - lo) / step + 1e-6) + 1.0;
        if (count > 1000) throw Error("argument", "--sweep " + text + ": more than 1000 values");
        for (int i = 0; i < static_cast<int>(count); ++i) {
            // Rounded to 1e-6, so 0:0.3:0.1 gives 0.3 and not 0.30000000000000004.
            const double v = std::round((lo + i * step) * 1e6) / 1e6;
            s.values.push_back(static_cast<float>(v));
        }
    } else {
        for (const std::string& v : split(values, ',')) s.values.push_back(parse_strength(v, text));
    }
    if (s.values.empty()) throw Error("argument", "--sweep " + text + ": no values");
    for (float v : s.values)
        if (!(v >= 0.0f && v <= 1.0f))
            throw Error("argument", "--sweep " + text + ": strength " + strength_text(v) + " is outside [0, 1]");
    return s;
}

RerankControls with_strength(RerankControls base, const std::string& control, float strength) {
    if (control == "diversity") base.diversity = strength;
    else if (control == "calibration") base.calibration = strength;
    else if (control == "novelty") base.novelty = strength;
    else throw Error("argument", "unknown control '" + control + "'");
    return base;
}

std::string sweep_csv(const std::string& control, const std::vector<SweepPoint>& points) {
    std::string out = "control,strength,hr10,ndcg10,coverage,ild,novelty,calibration_kl,arp,gini\n";
    for (const SweepPoint& p : points) {
        const ListMetrics& m = p.metrics;
        out += control + "," + strength_text(p.strength) + "," + number(m.hr) + "," + number(m.ndcg) + "," +
               number(m.coverage) + "," + number(m.ild) + "," + number(m.novelty) + "," +
               number(m.calibration_kl) + "," + number(m.arp) + "," + number(m.gini) + "\n";
    }
    return out;
}

double relative_change(double value, double baseline) {
    if (!std::isfinite(value) || !std::isfinite(baseline) || baseline == 0.0)
        return std::nan("");
    return 100.0 * (value - baseline) / std::fabs(baseline);
}

LineChart sweep_chart(const std::string& control, const std::vector<SweepPoint>& points,
                      const ListMetrics& baseline, const std::string& subject) {
    const std::string k = std::to_string(baseline.k);
    struct Metric {
        std::string name;
        double ListMetrics::*field;
        bool emphasis;
    };
    const Metric metrics[] = {
        {"NDCG@" + k, &ListMetrics::ndcg, true},
        {"HR@" + k, &ListMetrics::hr, false},
        {"coverage@" + k, &ListMetrics::coverage, false},
        {"intra-list diversity", &ListMetrics::ild, false},
        {"novelty", &ListMetrics::novelty, false},
        {"calibration KL", &ListMetrics::calibration_kl, false},
        {"avg. popularity (ARP)", &ListMetrics::arp, false},
        {"Gini of exposure", &ListMetrics::gini, false},
    };
    LineChart chart;
    chart.title = control + " sweep" + (subject.empty() ? "" : ": " + subject);
    chart.x_label = control + " strength";
    chart.y_label = "change from strength 0 (%)";
    for (const Metric& m : metrics) {
        const double base = baseline.*m.field;
        if (!std::isfinite(base) || base == 0.0) continue;
        ChartSeries s;
        s.name = m.name;
        s.emphasis = m.emphasis;
        for (const SweepPoint& p : points)
            s.points.push_back({p.strength, relative_change(p.metrics.*m.field, base)});
        chart.series.push_back(std::move(s));
    }
    return chart;
}

}  // namespace hearth
