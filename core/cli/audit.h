// `hearth audit-privacy`: what a published MF bundle reveals about the people it was
// trained on, measured by attacks that see only the item factors.
#pragma once
#include <string>
#include <vector>

namespace hearth::cli {

int run_audit_privacy(const std::vector<std::string>& args);

}  // namespace hearth::cli
