#include "core/cli/progress.h"

#include "core/train/tune/coordinate_search.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>

namespace hearth::cli {

namespace {

std::string format(const char* f, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, a);
    return buf;
}

}  // namespace

std::string duration_text(double seconds) {
    if (!(seconds >= 0)) seconds = 0;
    if (seconds < 59.5) return format("%.0f s", seconds);
    const long minutes = std::lround(seconds / 60.0);
    if (minutes < 60) return std::to_string(minutes) + " min";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld h %02ld min", minutes / 60, minutes % 60);
    return buf;
}

std::string epoch_line(const EpochProgress& p, bool terminal) {
    std::string line = "epoch " + std::to_string(p.epoch) + "/" + std::to_string(p.max_epochs) +
                       "  loss " + format("%.4f", p.loss);
    if (p.best_epoch > 0) {
        line += "  val NDCG@10 " + format("%.4f", p.val_ndcg10) + " (best " +
                format("%.4f", p.best_ndcg10) + " @ " + std::to_string(p.best_epoch);
        if (p.patience > 0)
            line += ", patience " + std::to_string(p.bad_epochs) + "/" + std::to_string(p.patience);
        line += ")";
    }
    line += "  " + format("%.1f", p.seconds_per_epoch) + " s/epoch";
    const uint32_t left = p.max_epochs > p.epoch ? p.max_epochs - p.epoch : 0;
    line += "  ETA " + duration_text(p.seconds_per_epoch * left);
    if (p.best_epoch > 0 && p.best_epoch == p.epoch) line += "  *best";
    return terminal ? "\r\033[2K" + line : line + "\n";
}

std::string stop_line(StopReason reason, uint32_t epochs_run, uint32_t patience, uint32_t best_epoch,
                      double best_ndcg10) {
    std::string line = "stopped: ";
    switch (reason) {
        case StopReason::EarlyStop:
            line += "early stop at epoch " + std::to_string(epochs_run) +
                    ": no improvement in validation NDCG@10 for " + std::to_string(patience) + " epochs";
            break;
        case StopReason::MaxEpochs:
            line += "reached max epochs (" + std::to_string(epochs_run) + ")";
            break;
        case StopReason::NoEpochs:
            line += "no epochs to run (the checkpoint had finished training)";
            break;
    }
    if (best_epoch > 0)
        line += "; best validation NDCG@10 " + format("%.4f", best_ndcg10) + " at epoch " +
                std::to_string(best_epoch) + " (its weights are kept)";
    return line + "\n";
}

std::string lr_line(uint32_t epoch, float lr_scale, uint32_t lr_patience) {
    return "learning rate halved after epoch " + std::to_string(epoch) + " to " +
           format("%g", lr_scale) + "x the initial (" + std::to_string(lr_patience) +
           (lr_patience == 1 ? " epoch" : " epochs") + " without a better validation NDCG@10)\n";
}

SasrecProgressPrinter::SasrecProgressPrinter(uint32_t max_epochs, uint32_t patience,
                                             uint32_t lr_patience, bool terminal)
    : max_epochs_(max_epochs), patience_(patience), lr_patience_(lr_patience), terminal_(terminal) {}

void SasrecProgressPrinter::operator()(const SasrecEpochReport& r) {
    ++epochs_;
    seconds_ += r.seconds;
    std::string text;
    if (r.lr_scale < lr_scale_)
        text += (terminal_ ? "\r\033[2K" : "") + lr_line(r.epoch, r.lr_scale, lr_patience_);
    lr_scale_ = r.lr_scale;
    EpochProgress p;
    p.epoch = r.epoch;
    p.max_epochs = max_epochs_;
    p.loss = r.loss;
    p.val_ndcg10 = r.val_ndcg10;
    p.best_epoch = r.best_epoch;
    p.best_ndcg10 = r.best_val_ndcg10;
    p.bad_epochs = r.bad_epochs;
    p.patience = patience_;
    p.seconds_per_epoch = seconds_ / epochs_;
    text += epoch_line(p, terminal_);
    // A live line keeps each new best on screen.
    if (terminal_ && r.best_epoch == r.epoch && r.best_epoch > 0) text += "\n";
    std::fputs(text.c_str(), stderr);
    std::fflush(stderr);
    last_ = r;
}

void SasrecProgressPrinter::finish(bool cut_short) {
    std::string text = terminal_ && epochs_ > 0 && last_.best_epoch != last_.epoch ? "\n" : "";
    if (cut_short) {
        std::fputs(text.c_str(), stderr);
        return;
    }
    const StopReason reason = epochs_ == 0      ? StopReason::NoEpochs
                              : last_.stopped   ? StopReason::EarlyStop
                                                : StopReason::MaxEpochs;
    text += stop_line(reason, last_.epoch, patience_, last_.best_epoch, last_.best_val_ndcg10);
    std::fputs(text.c_str(), stderr);
}

std::string mf_iteration_line(MfKind kind, uint32_t iteration, uint32_t iterations, double objective,
                              double seconds) {
    const bool als = kind == MfKind::Implicit;
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s iteration %u/%u  objective %.4e (%s)  %.1f s\n",
                  als ? "ALS" : "BMF", iteration, iterations, objective,
                  als ? "weighted squared error + regularization, per observed entry"
                      : "squared error + regularization, per rating",
                  seconds);
    return buf;
}

std::function<void(const IterationReport&)> mf_progress(const MfConfig& config) {
    auto previous = std::make_shared<double>(0.0);
    const MfKind kind = config.params.kind;
    const uint32_t iterations = config.iterations;
    return [previous, kind, iterations](const IterationReport& r) {
        // r.seconds counts from the start of training.
        const std::string line =
            "  " + mf_iteration_line(kind, r.iteration, iterations, r.loss, r.seconds - *previous);
        *previous = r.seconds;
        std::fputs(line.c_str(), stderr);
    };
}

std::string hybrid_weight_line(float weight, bool tuned) {
    std::string line = "hybrid: SASRec weight " + format("%.2f", weight) +
                       (tuned ? " (tuned on validation NDCG@10)" : " (given)") + "\n";
    if (tuned && weight == 0.0f)
        line += "hybrid: the sequence model adds nothing on this data: the best blend is ALS "
                "alone, so the hybrid ranks exactly as ALS\n";
    return line;
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) != 0; }

namespace {

std::string join(const std::vector<std::string>& parts, const char* separator) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : separator) + p;
    return out;
}

std::string sasrec_settings(const SasrecTuneTrial& t) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "dropout %.2g, max_len %u, lr %g, weight decay %g", double(t.dropout),
                  t.max_len, double(t.lr), double(t.weight_decay));
    return buf;
}

std::string mf_settings(const MfTuneTrial& t) {
    char buf[120];
    std::snprintf(buf, sizeof buf, "factors %u, reg %g, alpha %g", t.factors, double(t.reg), double(t.alpha));
    return buf;
}

// "+3.1% over the recipe's 0.0583" or "the recipe (nothing beat it by 1%)".
template <typename Result>
std::string chosen_line(const Result& r, const std::string& settings, double best, double start) {
    char buf[320];
    const bool moved = r.trials.size() > 1 && !(best == start);
    if (moved)
        std::snprintf(buf, sizeof buf,
                      "chosen: %s (validation NDCG@10 %.4f, %+.1f%% over the default's %.4f)\n",
                      settings.c_str(), best, 100.0 * (best - start) / start, start);
    else
        std::snprintf(buf, sizeof buf,
                      "chosen: the default, %s (validation NDCG@10 %.4f; no trial beat it by 1%%)\n",
                      settings.c_str(), best);
    return buf;
}

}  // namespace

std::string tune_trial_line(size_t index, const SasrecTuneTrial& t, bool done) {
    char buf[400];
    if (!done)
        std::snprintf(buf, sizeof buf, "tune trial %zu%s: %s\n", index + 1, index == 0 ? " (the default)" : "",
                      sasrec_settings(t).c_str());
    else if (t.pruned)
        std::snprintf(buf, sizeof buf, "tune trial %zu: %s (%s, cost %.2f trainings)\n", index + 1,
                      t.why_pruned.c_str(), duration_text(t.seconds).c_str(), t.cost);
    else
        std::snprintf(buf, sizeof buf,
                      "tune trial %zu: validation NDCG@10 %.4f at epoch %u of %u (%s, cost %.2f trainings)\n",
                      index + 1, t.val_ndcg10, t.best_epoch, t.epochs, duration_text(t.seconds).c_str(), t.cost);
    return buf;
}

std::string tune_trial_line(size_t index, const MfTuneTrial& t) {
    char buf[300];
    std::snprintf(buf, sizeof buf, "tune trial %zu%s: %s: validation NDCG@10 %.4f (%s)\n", index + 1,
                  index == 0 ? " (the default)" : "", mf_settings(t).c_str(), t.val_ndcg10,
                  duration_text(t.seconds).c_str());
    return buf;
}

namespace {

// "tuning: 6 trials of dropout, max_len, ... (spent: ...)", the trials with the chosen one
// starred (`row` words one trial), and what was chosen against the default.
template <typename Result, typename Row, typename Settings>
std::string summary(const Result& r, const std::string& spent, Row row, Settings settings) {
    char buf[400];
    std::snprintf(buf, sizeof buf, "tuning: %zu trials of %s, %s%s\n", r.trials.size(), join(r.searched, ", ").c_str(),
                  spent.c_str(), r.budget_ran_out ? " (spent: some neighbours were left untried)" : "");
    std::string text = buf;
    const size_t chosen = chosen_trial(r.trials);
    for (size_t i = 0; i < r.trials.size(); ++i)
        text += std::string("  ") + (i == chosen ? "*" : " ") + " " + (i < 9 ? " " : "") + std::to_string(i + 1) +
                "  " + row(r.trials[i]) + "\n";
    return text + chosen_line(r, settings(r.trials[chosen]), r.trials[chosen].val_ndcg10, r.trials[0].val_ndcg10);
}

}  // namespace

std::string tune_summary(const SasrecTuneResult& r) {
    char spent[80];
    std::snprintf(spent, sizeof spent, "%.2f of a budget of %.2g trainings", r.spent, r.budget);
    return summary(r, spent, [](const SasrecTuneTrial& t) {
        char buf[200];
        if (t.pruned)
            std::snprintf(buf, sizeof buf, "%-50s  stopped at epoch %u (%.4f)", sasrec_settings(t).c_str(), t.epochs,
                          t.val_ndcg10);
        else
            std::snprintf(buf, sizeof buf, "%-50s  validation NDCG@10 %.4f, %u epochs", sasrec_settings(t).c_str(),
                          t.val_ndcg10, t.epochs);
        return std::string(buf);
    }, sasrec_settings);
}

std::string tune_summary(const MfTuneResult& r) {
    char spent[80];
    std::snprintf(spent, sizeof spent, "budget %.2g trainings", r.budget);
    return summary(r, spent, [](const MfTuneTrial& t) {
        char buf[120];
        std::snprintf(buf, sizeof buf, "%-36s  validation NDCG@10 %.4f", mf_settings(t).c_str(), t.val_ndcg10);
        return std::string(buf);
    }, mf_settings);
}

}  // namespace hearth::cli
