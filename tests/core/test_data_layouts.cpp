// Readers that know their input: columns by header name, delimiter detection, --columns and
// --format overrides, refusal of files that could be read two ways, item files by header,
// the item file beside a MovieLens ratings.csv, and the load summary. Every layout is
// written by the test from one list of rows, and the expected counts are taken from that
// list, not from the reader.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/data/readers.h"
#include "tests/core/catch_helpers.h"
#include "tests/core/fixtures.h"

namespace fs = std::filesystem;
using hearth::DataFormat;
using hearth::Dataset;
using hearth::Interactions;
using hearth::ParseReport;

namespace {

std::string write_file(const std::string& name, const std::string& content) {
    return hearth::test::write_test_file(hearth::test::temp_folder("hearth_test_data_layouts"), name, content);
}

struct Row {
    std::string user, item, rating, time;
};

// MovieLens-100k-like rows: ids repeat across users, integer ratings, Unix times.
const std::vector<Row> kRows = {
    {"196", "242", "3", "881250949"}, {"186", "302", "3", "891717742"},
    {"22", "377", "1", "878887116"},  {"244", "51", "2", "880606923"},
    {"166", "346", "1", "886397596"}, {"298", "474", "4", "884182806"},
    {"115", "265", "2", "881171488"}, {"253", "465", "5", "891628467"},
    {"305", "451", "3", "886324817"}, {"6", "86", "3", "883603013"},
    {"196", "302", "4", "881250950"}, {"22", "242", "5", "878887117"},
};

size_t distinct_users(const std::vector<Row>& rows) {
    std::set<std::string> s;
    for (const Row& r : rows) s.insert(r.user);
    return s.size();
}

size_t distinct_items(const std::vector<Row>& rows) {
    std::set<std::string> s;
    for (const Row& r : rows) s.insert(r.item);
    return s.size();
}

// The rows as text: `order` lists which fields go in each column ('u', 'i', 'r', 't').
std::string table(const std::vector<Row>& rows, const std::string& order, const std::string& sep,
                  const std::string& header = "") {
    std::string text = header.empty() ? "" : header + "\n";
    for (const Row& r : rows) {
        for (size_t c = 0; c < order.size(); ++c) {
            if (c > 0) text += sep;
            text += order[c] == 'u' ? r.user : order[c] == 'i' ? r.item : order[c] == 'r' ? r.rating : r.time;
        }
        text += "\n";
    }
    return text;
}

// The dataset holds exactly kRows, with users and items from the right columns.
// `times_from_rows`: the times are those of kRows (false when the file has other times).
void check_rows(const Interactions& data, bool ratings = true, bool times = true,
                bool times_from_rows = true) {
    REQUIRE(data.events.size() == kRows.size());
    CHECK(data.user_ids.size() == distinct_users(kRows));
    CHECK(data.item_ids.size() == distinct_items(kRows));
    CHECK(data.has_ratings == ratings);
    CHECK(data.has_timestamps == times);
    for (size_t k = 0; k < kRows.size(); ++k) {
        const auto& e = data.events[k];
        CHECK(data.user_ids[e.user] == kRows[k].user);
        CHECK(data.item_ids[e.item] == kRows[k].item);
        if (ratings) CHECK(e.rating == std::stof(kRows[k].rating));
        if (times && times_from_rows) CHECK(e.timestamp == std::stoll(kRows[k].time));
    }
}

using hearth::test::contains;
using hearth::test::error_of;

}  // namespace

TEST_CASE("layouts: MovieLens-100k u.data (tab-separated, no header) is a ratings table",
          "[readers][layouts]") {
    const std::string path = write_file("u.data", table(kRows, "uirt", "\t"));
    const Dataset d = hearth::load_dataset(path, DataFormat::Auto, "");
    check_rows(d.interactions);
    CHECK(d.reports[0].layout ==
          "tab-separated, no header: user=(column 1), item=(column 2), rating=(column 3), "
          "timestamp=(column 4)");
    // --format tsv reads it the same way.
    check_rows(hearth::load_dataset(path, DataFormat::Tsv, "").interactions);
}

TEST_CASE("layouts: a header is read by names, in any order and spelling", "[readers][layouts]") {
    SECTION("movieId,userId,rating,timestamp: users and items are not swapped") {
        const std::string path = write_file(
            "swapped.csv", table(kRows, "iurt", ",", "movieId,userId,rating,timestamp"));
        ParseReport report;
        check_rows(hearth::read_interactions_csv(path, report));
        CHECK(report.layout ==
              "comma-separated, header: user=userId (column 2), item=movieId (column 1), "
              "rating=rating (column 3), timestamp=timestamp (column 4)");
        check_rows(hearth::load_dataset(path, DataFormat::Auto, "").interactions);
    }
    SECTION("Amazon review spellings, extra columns ignored") {
        const std::string path =
            write_file("amazon.csv", table(kRows, "tiur", ",", "unixReviewTime,ASIN,reviewerID,overall"));
        check_rows(hearth::load_dataset(path, DataFormat::Auto, "").interactions);
        std::string text = "Customer_ID,title,Product_ID,Stars,Date\n";
        for (const Row& r : kRows) text += r.user + ",x," + r.item + "," + r.rating + ",2018-09-24\n";
        const std::string dated = write_file("dated.csv", text);
        ParseReport report;
        const Interactions data = hearth::read_interactions_csv(dated, report);
        check_rows(data, true, true, false);
        CHECK(data.events[0].timestamp == 1537747200);  // 2018-09-24T00:00:00Z
        CHECK(contains(report.layout, "; ignored: title"));
    }
    SECTION("tags.csv shape: user, item and time, no rating") {
        std::string text = "userId,movieId,tag,timestamp\n";
        for (const Row& r : kRows) text += r.user + "," + r.item + ",funny," + r.time + "\n";
        const std::string path = write_file("tags.csv", text);
        check_rows(hearth::load_dataset(path, DataFormat::Auto, "").interactions, false, true);
    }
}

TEST_CASE("layouts: semicolons and whitespace are detected", "[readers][layouts]") {
    SECTION("semicolon with header") {
        const std::string path =
            write_file("semi.csv", table(kRows, "uirt", ";", "user_id;item_id;rating;timestamp"));
        const Dataset d = hearth::load_dataset(path, DataFormat::Auto, "");
        check_rows(d.interactions);
        CHECK(contains(d.reports[0].layout, "semicolon-separated, header"));
    }
    SECTION("semicolon without header, and --format table") {
        const std::string path = write_file("semi_plain.txt", table(kRows, "uirt", ";"));
        check_rows(hearth::load_dataset(path, DataFormat::Auto, "").interactions);
        check_rows(hearth::load_dataset(path, DataFormat::Table, "").interactions);
    }
    SECTION("spaces with a header naming the columns") {
        const std::string path =
            write_file("spaces_header.txt", table(kRows, "uirt", "  ", "user item rating time"));
        const Dataset d = hearth::load_dataset(path, DataFormat::Auto, "");
        check_rows(d.interactions);
        CHECK(contains(d.reports[0].layout, "whitespace-separated, header"));
    }
    SECTION("spaces without a header: Unix times in the 4th column say it is a table") {
        const std::string path = write_file("spaces.txt", table(kRows, "uirt", " "));
        check_rows(hearth::load_dataset(path, DataFormat::Auto, "").interactions);
    }
    SECTION("three columns with fractional ratings") {
        const std::string path = write_file("frac3.txt", "1 10 4.5\n1 11 3.0\n2 10 0.5\n");
        const Dataset d = hearth::load_dataset(path, DataFormat::Auto, "");
        CHECK(d.interactions.events.size() == 3);
        CHECK(d.interactions.user_ids.size() == 2);
        CHECK(d.interactions.item_ids.size() == 2);
        CHECK(d.interactions.has_ratings);
    }
}

TEST_CASE("layouts: files that fit a table and the sequence format are refused",
          "[readers][layouts]") {
    const std::string path = write_file("ambiguous.txt", "1 2 3 4\n2 3 4 5\n\n3 4 5 6\n");
    const std::string message =
        error_of([&] { hearth::load_dataset(path, DataFormat::Auto, ""); });
    CHECK(message ==
          path + ":1: cannot tell whether this is a sequence file (user item item ...) or a "
                 "ratings table (user item rating timestamp): its first 3 lines all have 4 "
                 "space-separated fields (first: '1 2 3 4') and the 4th field is not a Unix "
                 "time and the 3rd has no fractions; say which with --format seq or --format "
                 "table (then the columns are user,item,rating,timestamp; --columns names "
                 "others)");
    // Either answer is then taken.
    CHECK(hearth::load_dataset(path, DataFormat::Sequences, "").interactions.events.size() == 9);
    const Dataset t = hearth::load_dataset(path, DataFormat::Table, "");
    CHECK(t.interactions.events.size() == 3);
    CHECK(t.interactions.events[2].timestamp == 6);
    // Three whole-number columns are ambiguous too.
    const std::string three = write_file("ambiguous3.txt", "1 2 3\n2 3 4\n");
    CHECK(contains(error_of([&] { hearth::load_dataset(three, DataFormat::Auto, ""); }),
                   three + ":1: cannot tell whether this is a sequence file"));
    SECTION("sequences stay sequences") {
        // Varying lengths, pairs, and fields that cannot be ratings.
        for (const std::string text : {"1 2 3 4\n2 3 4\n", "1 2\n1 3\n2 2\n", "1 a b c\n2 b c d\n"}) {
            const std::string seq = write_file("seq.txt", text);
            const Dataset d = hearth::load_dataset(seq, DataFormat::Auto, "");
            CHECK(contains(d.reports[0].layout, "sequence format"));
        }
    }
}

TEST_CASE("layouts: a header that names no user or item is refused", "[readers][layouts]") {
    const std::string path = write_file("unnamed.csv", table(kRows, "uirt", ",", "a,b,c,d"));
    CHECK(error_of([&] { hearth::load_dataset(path, DataFormat::Auto, ""); }) ==
          path + ":1: the header names no user column (found columns: a, b, c, d); say which "
                 "columns to use with --columns USER,ITEM[,RATING[,TIMESTAMP]] (header names or "
                 "1-based positions, - for none)");
    const std::string two_users =
        write_file("two_users.csv", table(kRows, "uuit", ",", "user,userId,item,time"));
    CHECK(contains(error_of([&] { hearth::load_dataset(two_users, DataFormat::Auto, ""); }),
                   ":1: the header names two user columns (user and userId)"));
    // --columns makes the same file readable.
    check_rows(hearth::load_dataset(path, DataFormat::Auto, "", "a,b,c,d").interactions);
}

TEST_CASE("layouts: --columns by position, by name, and skipping", "[readers][layouts]") {
    SECTION("positions on a headerless file with swapped columns") {
        const std::string path = write_file("cols_pos.csv", table(kRows, "iurt", ","));
        check_rows(hearth::load_dataset(path, DataFormat::Auto, "", "2,1,3,4").interactions);
    }
    SECTION("names, with - for a column to leave out") {
        const std::string path =
            write_file("cols_names.csv", table(kRows, "uirt", ",", "user,item,rating,timestamp"));
        const Dataset d = hearth::load_dataset(path, DataFormat::Auto, "", "user,item,-,timestamp");
        check_rows(d.interactions, false, true);
        CHECK(d.reports[0].layout ==
              "comma-separated, header: user=user (column 1), item=item (column 2), "
              "timestamp=timestamp (column 4); ignored: rating");
    }
    SECTION("positions skip a header") {
        const std::string path = write_file("cols_header.tsv", table(kRows, "ruit", "\t", "x\ty\tz\tw"));
        check_rows(hearth::load_dataset(path, DataFormat::Auto, "", "2,3,1,4").interactions);
    }
    SECTION("mistakes") {
        const std::string path =
            write_file("cols_bad.csv", table(kRows, "uirt", ",", "user,item,rating,timestamp"));
        CHECK(error_of([&] { hearth::load_dataset(path, DataFormat::Auto, "", "user,film"); },
                       "argument") ==
              "--columns: no column named 'film' in " + path +
                  " (its header: user, item, rating, timestamp)");
        CHECK(contains(error_of([&] { hearth::load_dataset(path, DataFormat::Auto, "", "1,9"); },
                                "argument"),
                       "--columns: item column 9 does not exist"));
        CHECK(contains(error_of([&] { hearth::load_dataset(path, DataFormat::Auto, "", "user"); },
                                "argument"),
                       "--columns 'user': expected USER,ITEM"));
        CHECK(contains(error_of([&] { hearth::load_dataset(path, DataFormat::Sequences, "", "1,2"); },
                                "argument"),
                       "--columns applies to tables"));
    }
}

TEST_CASE("layouts: item files by header", "[readers][layouts]") {
    SECTION("title,id,tags is keyed by id") {
        const std::string path = write_file(
            "items_title_first.csv",
            "title,id,tags\nToy Story,242,Animation|Comedy\n\"Heat, The\",302,Crime\nAlien,377,\n");
        ParseReport report;
        const hearth::ItemMetadata meta = hearth::read_item_metadata(path, report);
        REQUIRE(meta.items.size() == 3);
        CHECK(meta.items.at("242").title == "Toy Story");
        CHECK(meta.items.at("242").tags == std::vector<std::string>{"Animation", "Comedy"});
        CHECK(meta.items.at("302").title == "Heat, The");
        CHECK(meta.items.count("Toy Story") == 0);
        CHECK(report.layout ==
              "comma-separated, header: id=id (column 2), title=title (column 1), tags=tags "
              "(column 3)");
    }
    SECTION("asin, name, categories, tab-separated, extra columns") {
        const std::string path = write_file(
            "items_amazon.tsv", "price\tname\tasin\tcategories\n9.99\tLipstick\tB001\tBeauty|Lips\n");
        ParseReport report;
        const hearth::ItemMetadata meta = hearth::read_item_metadata(path, report);
        REQUIRE(meta.items.size() == 1);
        CHECK(meta.items.at("B001").title == "Lipstick");
        CHECK(meta.items.at("B001").tags == std::vector<std::string>{"Beauty", "Lips"});
        CHECK(contains(report.layout, "; ignored: price"));
    }
    SECTION("tag kinds come from the column names and from prefixes") {
        const std::string path = write_file(
            "items_kinds.csv",
            "id,title,genres,moods,series,tags\n"
            "1,\"Dune, Part 1\",Sci-Fi|Drama,epic,Dune,mood:tense|award\n"
            "2,Heat,Crime,tense|Crime,,genre:Thriller|other:epic\n"
            "3,\"Dune, Part 2\",Sci-Fi,,Dune,series:Dune\n");
        ParseReport report;
        const hearth::ItemMetadata meta = hearth::read_item_metadata(path, report);
        REQUIRE(meta.items.size() == 3);
        // In column order, each tag once per item.
        CHECK(meta.items.at("1").tags == std::vector<std::string>{"Sci-Fi", "Drama", "epic", "Dune", "tense", "award"});
        CHECK(meta.items.at("2").tags == std::vector<std::string>{"Crime", "tense", "Thriller", "epic"});
        CHECK(meta.items.at("3").tags == std::vector<std::string>{"Sci-Fi", "Dune"});
        using hearth::TagKind;
        const auto kind = [&](const std::string& t) { return meta.tag_kinds.count(t) ? meta.tag_kinds.at(t) : TagKind::Other; };
        CHECK(kind("Sci-Fi") == TagKind::Genre);
        CHECK(kind("Crime") == TagKind::Genre);  // also listed as a mood later: the first kind stays
        CHECK(kind("epic") == TagKind::Mood);
        CHECK(kind("tense") == TagKind::Mood);
        CHECK(kind("Thriller") == TagKind::Genre);
        CHECK(kind("Dune") == TagKind::Series);
        CHECK(meta.tag_kinds.count("award") == 0);  // a plain tag: other
        CHECK(report.layout ==
              "comma-separated, header: id=id (column 1), title=title (column 2), genres=genres (column 3), "
              "moods=moods (column 4), series=series (column 5), tags=tags (column 6)");
        // Two columns of one kind are refused like two id columns.
        const std::string twice = write_file("items_two_moods.csv", "id,mood,moods\n1,a,b\n");
        CHECK(contains(error_of([&] { hearth::read_item_metadata(twice, report); }),
                       "names two moods columns (mood and moods)"));
    }
    SECTION("unknown layouts are refused") {
        const std::string path = write_file("items_bad.csv", "title,code,tags\nA,1,x\n");
        ParseReport report;
        CHECK(error_of([&] { hearth::read_item_metadata(path, report); }) ==
              path + ":1: cannot read this item file: its header names no item id column "
                     "(found columns: title, code, tags); an item file has a header naming an "
                     "id (id, item_id, movieId, asin, ...), a title (title, name) and/or tags "
                     "(tags, genres, moods, series, categories), or no header and the columns id,title[,tags]");
    }
    SECTION("the summary says how many items with events have metadata") {
        const std::string ratings = write_file("meta_check/r.csv", table(kRows, "uirt", ","));
        const std::string items = write_file("meta_check/i.csv", "title,id\nA,242\nB,302\nC,999\n");
        const Dataset d = hearth::load_dataset(ratings, DataFormat::Auto, items);
        CHECK(contains(hearth::describe_dataset(d),
                       "  3 items; 2 of the " + std::to_string(distinct_items(kRows)) +
                           " items with events have metadata\n"));
        const std::string by_title = write_file("meta_check/t.csv", "id,title\nA,242\n");
        CHECK(contains(hearth::describe_dataset(hearth::load_dataset(ratings, DataFormat::Auto, by_title)),
                       "warning: no item id of " + by_title + " occurs in the events"));
    }
}

TEST_CASE("layouts: a ratings.csv finds the movies.csv beside it", "[readers][layouts]") {
    const std::string text = table(kRows, "uirt", ",", "userId,movieId,rating,timestamp");
    const std::string movies = "movieId,title,genres\n242,Kolya (1996),Comedy\n302,L.A. Confidential (1997),Crime\n";
    SECTION("found") {
        const std::string ratings = write_file("ml_beside/ratings.csv", text);
        const std::string beside = write_file("ml_beside/movies.csv", movies);
        const Dataset d = hearth::load_dataset(ratings, DataFormat::Auto, "");
        check_rows(d.interactions);
        CHECK(d.metadata.items.size() == 2);
        CHECK(d.notes == std::vector<std::string>{"items: found movies.csv beside ratings.csv: " + beside});
        SECTION("an explicit --items wins") {
            const std::string other = write_file("ml_other_items.csv", "id,title\n242,Other\n");
            const Dataset e = hearth::load_dataset(ratings, DataFormat::Auto, other);
            CHECK(e.metadata.items.size() == 1);
            CHECK(e.metadata.items.at("242").title == "Other");
            CHECK(e.notes == std::vector<std::string>{"items: --items " + other +
                                                      " is used, not " + beside + " beside ratings.csv"});
        }
    }
    SECTION("none") {
        const std::string ratings = write_file("ml_alone/ratings.csv", text);
        const Dataset d = hearth::load_dataset(ratings, DataFormat::Auto, "");
        CHECK(d.metadata.items.empty());
        CHECK(d.notes == std::vector<std::string>{"items: no movies.csv or items.csv beside " + ratings +
                                                  ", so no titles or tags (give --items FILE)"});
    }
}

TEST_CASE("layouts: the summary shows what was read", "[readers][layouts]") {
    const std::string path = write_file("summary.data", table(kRows, "uirt", "\t"));
    const std::string text = hearth::describe_dataset(hearth::load_dataset(path, DataFormat::Auto, ""));
    CHECK(text ==
          "read " + path +
              ": tab-separated, no header: user=(column 1), item=(column 2), rating=(column 3), "
              "timestamp=(column 4)\n"
              "  12 events, 10 users, 10 items; ratings 1 to 5; time 1997-11-07 to 1998-04-04\n"
              "  row 1: user 196, item 242, rating 3, time 881250949 (1997-12-04)\n"
              "  row 2: user 186, item 302, rating 3, time 891717742 (1998-04-04)\n"
              "  row 3: user 22, item 377, rating 1, time 878887116 (1997-11-07)\n");
    CHECK(distinct_users(kRows) == 10);
    CHECK(distinct_items(kRows) == 10);
    const std::string seq = write_file("summary_seq.txt", "1 5 6 7\n2 6\n");
    CHECK(hearth::describe_dataset(hearth::load_dataset(seq, DataFormat::Auto, "")) ==
          "read " + seq +
              ": sequence format (user item item ..., whitespace-separated; time is the position "
              "in the user's history)\n"
              "  4 events, 2 users, 3 items; no ratings; no timestamps (order in the file)\n"
              "  row 1: user 1, item 5\n  row 2: user 1, item 6\n  row 3: user 1, item 7\n");
}

// Real datasets, read in place from HEARTH_DATA_DIR (never copied into the repository);
// the counts are those of the datasets' README.
namespace {

std::string real_file(const std::string& relative) { return hearth::test::real_data_file(relative); }

}  // namespace

TEST_CASE("layouts, real data: ml-latest-small ratings.csv with its movies.csv", "[readers][layouts][data]") {
    const std::string ratings = real_file("ml-latest-small/ratings.csv");
    if (ratings.empty()) return;
    const Dataset d = hearth::load_dataset(ratings, DataFormat::Auto, "");
    CHECK(d.interactions.events.size() == 100836);
    CHECK(d.interactions.user_ids.size() == 610);
    CHECK(d.interactions.item_ids.size() == 9724);
    CHECK(d.metadata.items.size() == 9742);
    CHECK(d.reports[0].skipped == 0);
    CHECK(d.reports[1].skipped == 0);
    CHECK(d.notes.size() == 1);
    const std::string text = hearth::describe_dataset(d);
    CHECK(contains(text, "comma-separated, header: user=userId (column 1), item=movieId (column 2), "
                         "rating=rating (column 3), timestamp=timestamp (column 4)"));
    CHECK(contains(text, "100836 events, 610 users, 9724 items; ratings 0.5 to 5; time 1996-03-29 "
                         "to 2018-09-24\n"));
    CHECK(contains(text, "9742 items; 9724 of the 9724 items with events have metadata"));
    const std::string tags = real_file("ml-latest-small/tags.csv");
    if (tags.empty()) return;
    const Dataset t = hearth::load_dataset(tags, DataFormat::Auto, "");
    CHECK(t.interactions.events.size() == 3683);
    CHECK_FALSE(t.interactions.has_ratings);
}

TEST_CASE("layouts, real data: Amazon sequences and SASRec pairs stay sequences", "[readers][layouts][data]") {
    struct Case {
        const char* file;
        size_t users, items, events;
    };
    for (const Case& c : {Case{"amazon-seq/Beauty.txt", 22363, 12101, 198502},
                          Case{"amazon-seq/Sports_and_Outdoors.txt", 35598, 18357, 296337},
                          Case{"amazon-seq/Toys_and_Games.txt", 19412, 11924, 167597},
                          Case{"sasrec-video/Video.txt", 31013, 23715, 287107}}) {
        const std::string path = real_file(c.file);
        if (path.empty()) return;
        const Dataset d = hearth::load_dataset(path, DataFormat::Auto, "");
        INFO(c.file);
        CHECK(contains(d.reports[0].layout, "sequence format"));
        CHECK(d.interactions.user_ids.size() == c.users);
        CHECK(d.interactions.item_ids.size() == c.items);
        CHECK(d.interactions.events.size() == c.events);
        CHECK(d.reports[0].skipped == 0);
    }
}
