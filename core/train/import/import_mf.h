// `hearth import --mf`: item factors trained elsewhere (a distributed ALS such as Spark
// MLlib's, numpy, PyTorch) as a Hearth MF bundle whose users are folded in on the device.
// The factors come from a .npy file or a safetensors tensor, their fold-in settings and
// item ids from a JSON config (keys in IMPORT.md). The Gram matrix the implicit fold-in
// needs is recomputed from the factors; one given in the config's files is checked
// against it.
#pragma once
#include <string>
#include <vector>

#include "core/train/mf/trainer.h"

namespace hearth {

struct ImportedMf {
    MfModel model;
    std::vector<std::string> item_ids;  // external id of row i
};

// Throws Error("import", ...) naming the file and the key or tensor at fault; Error("io")
// when a file cannot be read. Relative paths in the config are relative to its folder.
ImportedMf import_mf(const std::string& factors_path, const std::string& config_path);

}  // namespace hearth
