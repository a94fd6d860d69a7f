// The command-line front: option tables (help and parser from one table), did-you-mean,
// output paths checked before any work, and the progress lines of long training runs.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/cli/args.h"
#include "core/cli/commands.h"
#include "core/cli/common.h"
#include "core/cli/options.h"
#include "core/cli/progress.h"
#include "core/common/error.h"

using namespace hearth;
using namespace hearth::cli;

namespace {

// Every "--name" the help text mentions.
std::set<std::string> flags_in(const std::string& text) {
    std::set<std::string> out;
    const std::regex flag("--([a-z][a-z0-9-]*)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), flag); it != std::sregex_iterator(); ++it)
        out.insert((*it)[1]);
    return out;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

std::filesystem::path temp_dir(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path() / ("hearth_cli_test_" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace

TEST_CASE("every command's help lists exactly the options its parser accepts", "[cli]") {
    for (const Command* c : all_commands()) {
        INFO(c->name);
        const std::string help = help_text(*c);
        std::set<std::string> accepted = c->valued();
        const std::set<std::string> flags = c->flags();
        accepted.insert(flags.begin(), flags.end());
        CHECK(accepted.size() == c->options.size());  // no name twice
        CHECK(flags_in(help) == accepted);
        for (const Option& o : c->options) {
            INFO(o.name);
            CHECK(std::string(o.help).find('\n') == std::string::npos);
            std::vector<std::string> argv = {std::string("--") + o.name};
            if (*o.value) argv.push_back("1");
            const Args a(argv, *c);
            CHECK(a.has(o.name));
        }
        CHECK_THROWS_AS(Args({"--no-such-option-here"}, *c), Error);
    }
}

TEST_CASE("train and eval list every model's options in one help", "[cli]") {
    for (const char* name : {"train", "eval"}) {
        const std::string help = help_text(command(name));
        INFO(help);
        for (const char* flag : {"--model", "--factors", "--iterations", "--dim", "--epochs", "--patience",
                                 "--lr-patience", "--hybrid-weight", "--checkpoint", "hybrid", "SASRec:",
                                 "ALS/BMF:", "hybrid:"})
            CHECK(help.find(flag) != std::string::npos);
    }
    // The data-loading options (core/cli/common.cpp) are rows of the tables that load data.
    for (const char* name : {"train", "eval", "eval-bundle"})
        for (const std::string& o : kDataOptions) {
            INFO(name << " --" << o);
            CHECK(command(name).find(o) != nullptr);
        }
}

TEST_CASE("an option of another model is refused", "[cli]") {
    const Command& train = command("train");
    CHECK_NOTHROW(check_model_options(Args({"--model", "sasrec", "--dim", "8"}, train), train));
    CHECK_NOTHROW(check_model_options(Args({"--model", "hybrid", "--hybrid-weight", "0.3"}, train), train));
    CHECK(error_of([&] { check_model_options(Args({"--dim", "8"}, train), train); })
              .find("--dim is a SASRec option") != std::string::npos);
    CHECK(error_of([&] {
              check_model_options(Args({"--model", "sasrec", "--hybrid-weight", "0.3"}, train), train);
          }).find("--hybrid-weight needs --model hybrid") != std::string::npos);
}

TEST_CASE("unknown flags and commands suggest the nearest", "[cli]") {
    CHECK(edit_distance("epoch", "epochs") == 1);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(error_of([] { Args({"--epoch", "3"}, command("train")); }) ==
          "unknown flag --epoch for hearth train; did you mean --epochs?");
    CHECK(error_of([] { Args({"--iter", "3"}, command("train")); }).find("did you mean --iterations?") !=
          std::string::npos);
    CHECK(error_of([] { Args({"--zzzzzzzz"}, command("train")); }) ==
          "unknown flag --zzzzzzzz for hearth train");
    CHECK(nearest("trian", {"train", "eval", "export"}) == "train");
    CHECK(nearest("xyz", {"train", "eval"}).empty());
    CHECK(error_of([] { command("evl"); }) == "unknown command 'evl'; did you mean eval?");
}

TEST_CASE("flags that take no value refuse one", "[cli]") {
    CHECK_THROWS_AS(Args({"--eval=1"}, command("train")), Error);
    CHECK_THROWS_AS(Args({"--epochs"}, command("train")), Error);  // needs a value
}

TEST_CASE("output paths are checked before any work", "[cli]") {
    const auto dir = temp_dir("out");
    CHECK_NOTHROW(check_output_path((dir / "model.hearth").string(), "out"));
    const std::string missing = (dir / "no-such-folder" / "model.hearth").string();
    const std::string e1 = error_of([&] { check_output_path(missing, "out"); });
    CHECK(e1.find("does not exist") != std::string::npos);
    CHECK(e1.find((dir / "no-such-folder").string()) != std::string::npos);
    const std::string e2 = error_of([&] { check_output_path(dir.string(), "out"); });
    CHECK(e2.find("is a folder") != std::string::npos);
    CHECK_NOTHROW(check_output_dir((dir / "new").string(), "out"));
    CHECK_THROWS_AS(check_output_dir((dir / "a" / "b").string(), "out"), Error);

    // The train command on a small synthetic dataset fails at once, naming the path, for
    // every model: nothing is loaded or trained first.
    const auto data = dir / "ratings.csv";
    {
        std::ofstream f(data);
        f << "user,item,rating,timestamp\n";
        for (int u = 0; u < 50; ++u)
            for (int i = 0; i < 8; ++i) f << "u" << u << ",i" << (u * 3 + i) % 40 << ",1," << i << "\n";
    }
    for (const char* model : {"als", "bmf", "sasrec", "hybrid"}) {
        INFO(model);
        const auto t0 = std::chrono::steady_clock::now();
        const std::string e = error_of([&] {
            std::vector<std::string> argv = {"--data", data.string(), "--model", model, "--out", missing};
            if (std::string(model) == "sasrec" || std::string(model) == "hybrid")
                argv.insert(argv.end(), {"--epochs", "200"});
            run_train(argv);
        });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        CHECK(e.find(missing) != std::string::npos);
        CHECK(seconds < 1.0);
        CHECK(error_of([&] {
                  run_train({"--data", data.string(), "--model", model, "--out", dir.string()});
              }).find("is a folder") != std::string::npos);
    }
    CHECK(error_of([&] {
              run_export({"--bundle", "x.hearth", "--int8", "--out", missing});
          }).find("does not exist") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("the version names hearth's and the bundle format's", "[cli]") {
    const std::string v = version_text();
    CHECK(v.rfind("hearth ", 0) == 0);
    CHECK(v.find("bundle format 1.") != std::string::npos);
    CHECK(v.find("unknown") == std::string::npos);
}

TEST_CASE("durations and ETA", "[cli][progress]") {
    CHECK(duration_text(12.3) == "12 s");
    CHECK(duration_text(174 * 12.3) == "36 min");
    CHECK(duration_text(2 * 3600 + 5 * 60) == "2 h 05 min");
    CHECK(duration_text(0) == "0 s");
}

TEST_CASE("epoch lines: plain and terminal forms, best marker, patience", "[cli][progress]") {
    EpochProgress p;
    p.epoch = 26;
    p.max_epochs = 200;
    p.loss = 8.12344;
    p.val_ndcg10 = 0.0412;
    p.best_epoch = 24;
    p.best_ndcg10 = 0.0420;
    p.bad_epochs = 2;
    p.patience = 5;
    p.seconds_per_epoch = 12.3;
    const std::string plain = epoch_line(p, false);
    CHECK(plain ==
          "epoch 26/200  loss 8.1234  val NDCG@10 0.0412 (best 0.0420 @ 24, patience 2/5)  "
          "12.3 s/epoch  ETA 36 min\n");  // 174 epochs x 12.3 s
    const std::string live = epoch_line(p, true);
    CHECK(live == "\r\033[2K" + plain.substr(0, plain.size() - 1));
    p.best_epoch = 26;
    p.best_ndcg10 = p.val_ndcg10;
    p.bad_epochs = 0;
    CHECK(epoch_line(p, false).find("(best 0.0412 @ 26, patience 0/5)") != std::string::npos);
    CHECK(epoch_line(p, false).find("*best\n") != std::string::npos);
    p.patience = 0;
    CHECK(epoch_line(p, false).find("(best 0.0412 @ 26)") != std::string::npos);
    p.epoch = p.max_epochs = 200;
    CHECK(epoch_line(p, false).find("ETA 0 s") != std::string::npos);
    p.best_epoch = 0;  // no validation
    CHECK(epoch_line(p, false).find("NDCG") == std::string::npos);
}

TEST_CASE("stop reasons and learning-rate cuts", "[cli][progress]") {
    CHECK(stop_line(StopReason::EarlyStop, 34, 10, 24, 0.042) ==
          "stopped: early stop at epoch 34: no improvement in validation NDCG@10 for 10 epochs; "
          "best validation NDCG@10 0.0420 at epoch 24 (its weights are kept)\n");
    CHECK(stop_line(StopReason::MaxEpochs, 200, 10, 190, 0.05).rfind("stopped: reached max epochs (200); best", 0) == 0);
    CHECK(stop_line(StopReason::NoEpochs, 0, 10, 0, 0).find("no epochs to run") != std::string::npos);
    CHECK(lr_line(7, 0.25f, 3) ==
          "learning rate halved after epoch 7 to 0.25x the initial (3 epochs without a better "
          "validation NDCG@10)\n");
}

TEST_CASE("ALS/BMF iterations are labelled with their objective", "[cli][progress]") {
    CHECK(mf_iteration_line(MfKind::Implicit, 3, 15, 123400.0, 0.84) ==
          "ALS iteration 3/15  objective 1.2340e+05 (weighted squared error + regularization, "
          "per observed entry)  0.8 s\n");
    CHECK(mf_iteration_line(MfKind::Explicit, 1, 15, 0.5, 2.0).rfind("BMF iteration 1/15  objective", 0) == 0);
}

TEST_CASE("a tuned hybrid weight of 0 says the sequence model adds nothing", "[cli][progress]") {
    CHECK(hybrid_weight_line(0.3f, true) == "hybrid: SASRec weight 0.30 (tuned on validation NDCG@10)\n");
    const std::string zero = hybrid_weight_line(0.0f, true);
    CHECK(zero.rfind("hybrid: SASRec weight 0.00", 0) == 0);
    CHECK(zero.find("the sequence model adds nothing on this data") != std::string::npos);
    CHECK(hybrid_weight_line(0.0f, false).find("adds nothing") == std::string::npos);
}
