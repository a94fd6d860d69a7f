// A control sweep: the list metrics at several strengths of one re-ranking control, as a
// CSV table and an SVG chart of each metric's change relative to strength 0.
#pragma once
#include <string>
#include <vector>

#include "core/device/rerank/rerank.h"
#include "core/eval/beyond.h"
#include "core/eval/svg_chart.h"

namespace hearth {

struct SweepSpec {
    std::string control;        // diversity, calibration or novelty
    std::vector<float> values;  // strengths in [0, 1], in the order given
};

// "CONTROL=V1,V2,..." or "CONTROL=LO:HI:STEP" (LO, LO + STEP, ... up to HI inclusive).
// Throws Error("argument") naming what is wrong.
SweepSpec parse_sweep(const std::string& text);

// `base` with the strength of `control` set to `strength`.
RerankControls with_strength(RerankControls base, const std::string& control, float strength);

struct SweepPoint {
    float strength;
    ListMetrics metrics;
};

// Header "control,strength,hr10,ndcg10,coverage,ild,novelty,calibration_kl,arp,gini", then
// one row per point in order; a metric that is absent (NaN) is written as NaN.
std::string sweep_csv(const std::string& control, const std::vector<SweepPoint>& points);

// 100 (v - v0) / |v0|: the change in % from the baseline; NaN when v0 is 0 or absent.
double relative_change(double value, double baseline);

// Each metric's relative_change against `baseline` (strength 0) over the strengths;
// NDCG@k is the emphasised series. Metrics absent at the baseline are left out.
LineChart sweep_chart(const std::string& control, const std::vector<SweepPoint>& points,
                      const ListMetrics& baseline, const std::string& subject);

}  // namespace hearth
