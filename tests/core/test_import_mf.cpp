// `hearth import --mf`: factors trained by Hearth's own ALS, written as .npy (and as a
// safetensors tensor), come back as a bundle that recommends exactly what the native
// bundle of the same model does, users folded in on the device; the .npy reader against
// the format's cases; clear errors for configs and files that do not fit.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "core/cli/commands.h"
#include "core/common/error.h"
#include "core/device/engine/engine.h"
#include "core/train/export/export.h"
#include "core/train/import/import_mf.h"
#include "core/train/import/npy.h"
#include "core/train/import/safetensors.h"
#include "core/train/mf/rating_matrix.h"
#include "core/train/mf/trainer.h"
#include "tests/core/catch_helpers.h"
#include "tests/core/fixtures.h"

using namespace hearth;
using hearth::test::contains;
using hearth::test::error_of;

namespace {

void write_text(const std::filesystem::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary);
    f << text;
}

struct Trained {
    Interactions data;
    MfModel model;
};

Trained trained(MfKind kind) {
    Trained t;
    std::mt19937 rng(8);
    for (uint32_t i = 0; i < 50; ++i) t.data.intern_item("item" + std::to_string(i));
    for (uint32_t u = 0; u < 90; ++u) {
        const uint32_t user = t.data.intern_user("u" + std::to_string(u));
        for (int k = 0; k < 8; ++k)
            t.data.events.push_back({user, static_cast<uint32_t>((rng() % 25) * 2 + u % 2), kind == MfKind::Explicit ? float(1 + rng() % 5) : 1.0f, k});
    }
    t.data.has_ratings = kind == MfKind::Explicit;
    MfConfig c;
    c.params.kind = kind;
    c.params.alpha = 4.0f;
    c.params.reg = 0.3f;
    c.factors = 6;
    c.iterations = 5;
    t.model = train_mf(RatingMatrix::build(90, 50, t.data.events, kind), c);
    return t;
}

}  // namespace

TEST_CASE(".npy: C and Fortran order, float32 and float64, and what is refused", "[import][npy]") {
    const auto dir = test::temp_folder("npy");
    const float values[6] = {1, 2, 3, 4, 5, 6};
    write_npy((dir / "a.npy").string(), {2, 3}, values);
    const NpyArray a = read_npy((dir / "a.npy").string());
    CHECK(a.shape == std::vector<uint64_t>{2, 3});
    CHECK(a.values == std::vector<float>(values, values + 6));
    // numpy.save of np.asfortranarray(a.astype('<f8')): the same matrix, column by column.
    std::string header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }";
    header.append(117 - header.size(), ' ');
    header += '\n';
    std::string raw = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + header;  // header length 118
    for (double v : {1.0, 4.0, 2.0, 5.0, 3.0, 6.0}) raw.append(reinterpret_cast<const char*>(&v), 8);
    const std::vector<uint8_t> bytes(raw.begin(), raw.end());
    const NpyArray f = parse_npy(bytes, "f.npy");
    CHECK(f.values == std::vector<float>(values, values + 6));

    std::vector<uint8_t> int_array = bytes;
    const size_t at = std::string(int_array.begin(), int_array.end()).find("<f8");
    int_array[at + 1] = 'i';
    CHECK(contains(error_of([&] { parse_npy(int_array, "i.npy"); }, "import"), "i.npy: dtype '<i8' is not supported"));
    std::vector<uint8_t> short_data(bytes.begin(), bytes.end() - 8);
    CHECK(contains(error_of([&] { parse_npy(short_data, "s.npy"); }, "import"), "needs 48 bytes of data, the file has 40"));
    CHECK(contains(error_of([&] { parse_npy({1, 2, 3}, "x.npy"); }, "import"), "not a .npy file"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("import --mf: factors from elsewhere fold users in as the native bundle does", "[import][mf]") {
    const auto dir = test::temp_folder("import-mf");
    for (MfKind kind : {MfKind::Implicit, MfKind::Explicit}) {
        const Trained t = trained(kind);
        const MfModel& m = t.model;
        const CatalogData catalog = build_catalog(t.data, {});
        const std::unique_ptr<test::Caller> native = test::open_engine(export_mf_bundle(m, catalog, "{}"));

        // The factors as numpy would save them, the ids in a text file, the settings in JSON.
        write_npy((dir / "factors.npy").string(), {m.items(), m.dim}, m.item_factors.data());
        std::string ids;
        for (const std::string& id : t.data.item_ids) ids += id + "\n";
        write_text(dir / "ids.txt", ids);
        std::string config = "{\"kind\": \"" + std::string(kind == MfKind::Implicit ? "implicit" : "explicit") +
                             "\", \"reg\": " + std::to_string(m.params.reg) + ", \"alpha\": " + std::to_string(m.params.alpha) +
                             ", \"item_ids\": \"ids.txt\"";
        if (kind == MfKind::Explicit) {
            write_npy((dir / "bias.npy").string(), {m.items()}, m.item_bias.data());
            config += ", \"global_mean\": " + std::to_string(m.params.global_mean) + ", \"biases\": \"bias.npy\"";
        } else {
            write_npy((dir / "gram.npy").string(), {m.dim, m.dim}, m.gram.data());
            config += ", \"gram\": \"gram.npy\"";
        }
        config += "}";
        write_text(dir / "mf.json", config);
        const std::string out = (dir / "imported.hearth").string();
        cli::run_import({"--mf", (dir / "factors.npy").string(), "--config", (dir / "mf.json").string(), "--out", out});
        const std::unique_ptr<test::Caller> imported = test::open_engine(read_file_bytes(out));

        // Every user's history: the same list, the same scores (to the rounding of the
        // settings printed with 6 digits), the same reasons.
        for (uint32_t u = 0; u < 90; u += 7) {
            std::vector<HistoryEntry> h;
            for (const Interaction& e : t.data.events)
                if (e.user == u) h.push_back({e.item, e.rating});
            RecommendOptions o;
            o.k = 10;
            const Recommendations want = native->recommend(h.data(), h.size(), o);
            const Recommendations got = imported->recommend(h.data(), h.size(), o);
            REQUIRE(got.items.size() == want.items.size());
            for (size_t k = 0; k < want.items.size(); ++k) {
                INFO("user " << u << " rank " << k);
                CHECK(got.items[k].index == want.items[k].index);
                CHECK(got.items[k].score == Approx(want.items[k].score).epsilon(1e-4).margin(1e-5));
            }
            CHECK(got.reasons.size() == want.reasons.size());
        }
        CHECK(imported->catalog().id(3) == t.data.item_ids[3]);
    }

    // The same factors as a safetensors tensor.
    const Trained t = trained(MfKind::Implicit);
    SafetensorsOutput tensor{"als.item_factors", "F32", {t.model.items(), t.model.dim}, t.model.item_factors};
    write_safetensors((dir / "f.safetensors").string(), {tensor});
    write_text(dir / "st.json", "{\"tensor\": \"als.item_factors\", \"alpha\": 4, \"reg\": 0.3}");
    const ImportedMf st = import_mf((dir / "f.safetensors").string(), (dir / "st.json").string());
    CHECK(st.model.item_factors == t.model.item_factors);
    CHECK(st.item_ids.at(7) == "7");  // no ids: the row numbers

    // What does not fit is refused, naming the file and the key.
    write_text(dir / "bad.json", "{\"kind\": \"implicit\", \"item_ids\": [\"a\", \"b\"]}");
    CHECK(contains(error_of([&] { import_mf((dir / "factors.npy").string(), (dir / "bad.json").string()); }, "import"),
                   "'item_ids' has 2 ids, but the factors hold 50 items"));
    write_text(dir / "typo.json", "{\"regularization\": 0.1}");
    CHECK(contains(error_of([&] { import_mf((dir / "factors.npy").string(), (dir / "typo.json").string()); }, "import"),
                   "unknown key 'regularization'"));
    write_text(dir / "explicit.json", "{\"kind\": \"explicit\", \"global_mean\": 3.5}");
    CHECK(contains(error_of([&] { import_mf((dir / "factors.npy").string(), (dir / "explicit.json").string()); }, "import"),
                   "needs 'biases'"));
    std::vector<float> other(t.model.gram.size(), 1.0f);
    write_npy((dir / "wrong-gram.npy").string(), {t.model.dim, t.model.dim}, other.data());
    write_text(dir / "gram.json", "{\"gram\": \"wrong-gram.npy\"}");
    CHECK(contains(error_of([&] { import_mf((dir / "factors.npy").string(), (dir / "gram.json").string()); }, "import"),
                   "is not Y^T Y of the factors"));
    CHECK(contains(error_of([&] {
                       cli::run_import({"--config", (dir / "mf.json").string(), "--out", (dir / "x.hearth").string()});
                   }, "argument"), "say what to import"));
    std::filesystem::remove_all(dir);
}
