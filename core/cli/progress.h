// Progress lines for long training runs: pure functions from the trainers' numbers to
// text, so the format is tested without training anything. The trainers only report
// numbers (core/train/*); the CLI prints.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "core/train/mf/trainer.h"
#include "core/train/sasrec/sasrec_trainer.h"
#include "core/train/tune/mf_tune.h"
#include "core/train/tune/sasrec_tune.h"

namespace hearth::cli {

// "35 min", "12 s", "2 h 05 min".
std::string duration_text(double seconds);

struct EpochProgress {
    uint32_t epoch = 0, max_epochs = 0;  // 1-based
    double loss = 0, val_ndcg10 = 0;
    uint32_t best_epoch = 0;             // 0: none yet
    double best_ndcg10 = 0;
    uint32_t bad_epochs = 0, patience = 0;  // patience 0: never stops early
    double seconds_per_epoch = 0;           // mean so far
};

// `epoch 26/200  loss 8.1234  val NDCG@10 0.0412 (best 0.0420 @ 24, patience 2/5)  12.3 s/epoch  ETA 35 min`,
// with ` *` when this epoch is the best. The ETA assumes every remaining epoch runs.
// `terminal`: a live line (carriage return, erase, no newline); else one line per epoch.
std::string epoch_line(const EpochProgress& p, bool terminal);

enum class StopReason { EarlyStop, MaxEpochs, NoEpochs };
// Why training stopped, one line ending in a newline: "stopped: early stop: no better
// validation NDCG@10 for 10 epochs; best 0.0420 at epoch 24 (its weights are kept)".
std::string stop_line(StopReason reason, uint32_t epochs_run, uint32_t patience, uint32_t best_epoch,
                      double best_ndcg10);
// "learning rate halved to 0.25x (3 epochs without a better validation NDCG@10)".
std::string lr_line(uint32_t epoch, float lr_scale, uint32_t lr_patience);

// Collects SASRec epoch reports and prints them to stderr (live on a terminal).
class SasrecProgressPrinter {
public:
    SasrecProgressPrinter(uint32_t max_epochs, uint32_t patience, uint32_t lr_patience, bool terminal);
    void operator()(const SasrecEpochReport& r);
    // Prints the stop reason (after the live line, if any); `cut_short`: the caller stopped
    // the run and says why itself, so only the live line is ended.
    void finish(bool cut_short = false);

private:
    uint32_t max_epochs_, patience_, lr_patience_;
    bool terminal_;
    uint32_t epochs_ = 0;
    double seconds_ = 0;
    float lr_scale_ = 1.0f;
    SasrecEpochReport last_{};
};

// `ALS iteration 3/15  objective 1.234e-01 per observed entry (weighted squared error + regularization)  0.8 s`
std::string mf_iteration_line(MfKind kind, uint32_t iteration, uint32_t iterations, double objective,
                              double seconds);
// A progress callback for train_mf that prints those lines to stderr.
std::function<void(const IterationReport&)> mf_progress(const MfConfig& config);

// The hybrid's tuned SASRec weight, with a plain sentence when it is 0.
std::string hybrid_weight_line(float weight, bool tuned);

// Whether stderr is a terminal.
bool stderr_is_terminal();

// --tune: a line when a trial starts ("tune trial 2: dropout 0.3, max_len 50, lr 0.001,
// weight decay 0") and one when it ends (its validation NDCG@10, epochs, time and cost, or
// why it was stopped early).
std::string tune_trial_line(size_t index, const SasrecTuneTrial& t, bool done);
std::string tune_trial_line(size_t index, const MfTuneTrial& t);
// The table of trials with the chosen one marked, and what was chosen against the recipe.
std::string tune_summary(const SasrecTuneResult& r);
std::string tune_summary(const MfTuneResult& r);

}  // namespace hearth::cli
