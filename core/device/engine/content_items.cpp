#include "core/device/engine/content_items.h"

#include <algorithm>
#include <string>

#include "core/common/error.h"

namespace hearth {

ContentItems::ContentItems(const BundleReader& bundle, uint32_t item_count) {
    if (!bundle.has("content.items")) return;
    items_ = bundle.u32("content.items", BundleReader::any, 1);
    for (size_t k = 0; k < items_.size; ++k) {
        if (items_[k] >= item_count)
            throw Error("bundle", "section 'content.items': item " + std::to_string(items_[k]) +
                                      " at entry " + std::to_string(k) + " is not one of the " +
                                      std::to_string(item_count) + " catalog items");
        if (k > 0 && items_[k] <= items_[k - 1])
            throw Error("bundle",
                        "section 'content.items': items are not strictly ascending at entry " +
                            std::to_string(k));
    }
}

bool ContentItems::is_content_placed(uint32_t item) const {
    return std::binary_search(items_.begin(), items_.end(), item);
}

}  // namespace hearth
