// `hearth import`: a SASRec trained in PyTorch (the common port's module names by default),
// saved as safetensors plus a JSON config, as Hearth weights and the catalog's item ids.
// The mapping, the config keys and the one semantic difference are in IMPORT.md here.
#pragma once
#include <string>
#include <vector>

#include "core/data/json_parse.h"
#include "core/device/sasrec/model.h"
#include "core/train/import/safetensors.h"

namespace hearth {

struct ImportedSasrec {
    SasrecWeights weights;
    std::vector<std::string> item_ids;         // external id of Hearth item i
    std::vector<std::string> ignored_tensors;  // in the file, not part of the model
};

// Throws Error("import", ...) naming the file and, where one is at fault, the tensor or the
// config key; Error("io") when a file cannot be read.
ImportedSasrec import_pytorch_sasrec(const std::string& safetensors_path,
                                     const std::string& config_path);

// The same from a file and a config already in memory; `config_name` names the config in
// messages.
ImportedSasrec import_pytorch_sasrec(const SafetensorsFile& tensors, const JsonValue& config,
                                     const std::string& config_name);

}  // namespace hearth
