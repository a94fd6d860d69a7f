// Which catalog items a trainer placed with its content model (content.items, FORMAT.md):
// items that had tags but no interactions, whose embeddings are predicted from their tags
// rather than learned. A device can label them ("new") or treat their scores with care.
#pragma once
#include <cstdint>

#include "core/device/bundle/bundle.h"

namespace hearth {

class ContentItems {
public:
    ContentItems() = default;
    // Absent section: no item is content-placed. Present: u32 n x 1, strictly ascending,
    // each < item_count, else Error("bundle", "section 'content.items': ...").
    ContentItems(const BundleReader& bundle, uint32_t item_count);

    bool is_content_placed(uint32_t item) const;
    Span<uint32_t> items() const { return items_; }

private:
    Span<uint32_t> items_;
};

}  // namespace hearth
