// One declarative table of options per command: the help text and the set of flags the
// parser accepts are both generated from it, so they cannot drift apart.
#pragma once
#include <set>
#include <string>
#include <vector>

namespace hearth::cli {

class Args;

struct Option {
    const char* name;   // without the leading "--"
    const char* value;  // placeholder such as "N" or "FILE"; "" for a flag that takes none
    const char* def;    // default as shown in the help; "" for none
    const char* help;   // one line
    const char* group;  // e.g. "data", "all models", "ALS/BMF", "SASRec", "hybrid", "output"
};

struct Command {
    const char* name;   // "train"
    const char* usage;  // the lines after "usage: hearth NAME"
    std::vector<Option> options;
    const char* notes;  // printed after the options; "" for none
    std::set<std::string> valued() const;  // options that take a value
    std::set<std::string> flags() const;   // options that take none
    const Option* find(const std::string& option) const;
};

// Every command `hearth` has, in the order of its usage text.
const std::vector<const Command*>& all_commands();
// The command called `name`; an "argument" Error that suggests the nearest when there is none.
const Command& command(const std::string& name);

std::string help_text(const Command& c);
// Prints the help of `c` and returns true when the arguments ask for it.
bool wants_help(const std::vector<std::string>& args, const Command& c);

// For train and eval, whose tables hold every model's options: an option of the SASRec or
// hybrid group given with a model that has no use for it is an "argument" Error.
void check_model_options(const Args& a, const Command& c);

// Levenshtein distance.
size_t edit_distance(const std::string& a, const std::string& b);
// The candidate closest to `word` when it is close enough to be a likely typo; "" otherwise.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

// Checks, before any work, that `path` (the value of --flag) can be written: not a folder,
// its folder exists and is writable, an existing file is writable. An "argument" Error
// naming the path otherwise.
void check_output_path(const std::string& path, const std::string& flag);
// The same for an output folder (created when missing, as long as its parent exists).
void check_output_dir(const std::string& path, const std::string& flag);

// The version of hearth (package.json's) and of the bundle format it writes.
std::string version_text();

}  // namespace hearth::cli
