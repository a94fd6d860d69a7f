#include "core/train/import/npy.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "core/common/error.h"

namespace hearth {

namespace {

// The value after `key` in the header dict, as text up to the next top-level comma or
// closing brace (a tuple's parentheses kept together).
std::string dict_value(const std::string& header, const std::string& key, const std::string& source) {
    const std::string quoted[] = {"'" + key + "'", "\"" + key + "\""};
    size_t at = std::string::npos;
    for (const std::string& q : quoted)
        if ((at = header.find(q)) != std::string::npos) {
            at += q.size();
            break;
        }
    if (at == std::string::npos) throw Error("import", source + ": the .npy header has no '" + key + "'");
    at = header.find(':', at);
    if (at == std::string::npos) throw Error("import", source + ": the .npy header is malformed at '" + key + "'");
    size_t end = at + 1;
    int depth = 0;
    for (; end < header.size(); ++end) {
        const char c = header[end];
        if (c == '(') ++depth;
        if (c == ')') --depth;
        if (depth == 0 && (c == ',' || c == '}')) break;
    }
    std::string v = header.substr(at + 1, end - at - 1);
    const size_t first = v.find_first_not_of(" \t"), last = v.find_last_not_of(" \t");
    return first == std::string::npos ? "" : v.substr(first, last - first + 1);
}

}  // namespace

NpyArray parse_npy(const std::vector<uint8_t>& bytes, const std::string& source) {
    static const char kMagic[] = "\x93NUMPY";
    if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
        throw Error("import", source + ": not a .npy file (no \\x93NUMPY magic)");
    const uint8_t major = bytes[6];
    size_t header_len = 0, header_at = 0;
    if (major == 1) {
        header_len = bytes[8] | (size_t(bytes[9]) << 8);
        header_at = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) throw Error("import", source + ": truncated .npy header");
        header_len = bytes[8] | (size_t(bytes[9]) << 8) | (size_t(bytes[10]) << 16) | (size_t(bytes[11]) << 24);
        header_at = 12;
    } else {
        throw Error("import", source + ": .npy format version " + std::to_string(major) + " is not supported (1-3 are)");
    }
    if (header_at + header_len > bytes.size()) throw Error("import", source + ": truncated .npy header");
    const std::string header(reinterpret_cast<const char*>(bytes.data() + header_at), header_len);
    const std::string descr = dict_value(header, "descr", source);
    size_t width = 0;
    if (descr == "'<f4'" || descr == "\"<f4\"") width = 4;
    else if (descr == "'<f8'" || descr == "\"<f8\"") width = 8;
    else
        throw Error("import", source + ": dtype " + descr +
                                  " is not supported: save the factors as little-endian float32 or float64 "
                                  "(numpy.asarray(x, dtype='<f4'))");
    const std::string order = dict_value(header, "fortran_order", source);
    if (order != "False" && order != "True") throw Error("import", source + ": fortran_order is neither True nor False");
    const bool fortran = order == "True";
    std::string shape_text = dict_value(header, "shape", source);
    if (shape_text.size() < 2 || shape_text.front() != '(' || shape_text.back() != ')')
        throw Error("import", source + ": the shape " + shape_text + " is not a tuple");
    NpyArray out;
    uint64_t count = 1;
    for (size_t i = 1; i + 1 < shape_text.size();) {
        while (i + 1 < shape_text.size() && (shape_text[i] == ' ' || shape_text[i] == ',')) ++i;
        if (i + 1 >= shape_text.size()) break;
        size_t j = i;
        uint64_t v = 0;
        while (j + 1 < shape_text.size() && shape_text[j] >= '0' && shape_text[j] <= '9') v = v * 10 + uint64_t(shape_text[j++] - '0');
        if (j == i) throw Error("import", source + ": the shape " + shape_text + " is not a tuple of sizes");
        out.shape.push_back(v);
        count *= v;
        i = j;
    }
    const size_t data_at = header_at + header_len;
    if (bytes.size() - data_at != count * width)
        throw Error("import", source + ": the shape " + shape_text + " needs " + std::to_string(count * width) +
                                  " bytes of data, the file has " + std::to_string(bytes.size() - data_at));
    out.values.resize(count);
    const uint8_t* data = bytes.data() + data_at;
    for (uint64_t k = 0; k < count; ++k) {
        if (width == 4) {
            float f;
            std::memcpy(&f, data + k * 4, 4);
            out.values[k] = f;
        } else {
            double f;
            std::memcpy(&f, data + k * 8, 8);
            out.values[k] = static_cast<float>(f);
        }
    }
    if (fortran && out.shape.size() == 2) {  // column-major: transpose into rows
        const uint64_t rows = out.shape[0], cols = out.shape[1];
        std::vector<float> t(out.values.size());
        for (uint64_t c = 0; c < cols; ++c)
            for (uint64_t r = 0; r < rows; ++r) t[r * cols + c] = out.values[c * rows + r];
        out.values.swap(t);
    } else if (fortran && out.shape.size() > 2) {
        throw Error("import", source + ": Fortran-ordered arrays of more than 2 dimensions are not supported");
    }
    return out;
}

NpyArray read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("io", "cannot read " + path);
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return parse_npy(bytes, path);
}

void write_npy(const std::string& path, const std::vector<uint64_t>& shape, const float* values) {
    std::string dims;
    uint64_t count = 1;
    for (uint64_t s : shape) {
        dims += std::to_string(s) + ", ";
        count *= s;
    }
    dims.erase(dims.size() - (shape.size() > 1 ? 2 : 1));  // "(3, 4)"; one dimension: "(3,)"
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    // The data starts at a multiple of 64 bytes; the header ends with a newline.
    const size_t total = ((10 + header.size() + 1 + 63) / 64) * 64;
    header.append(total - 10 - header.size() - 1, ' ');
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    if (!out) throw Error("io", "cannot write " + path);
    out.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    const char len_bytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
    out.write(len_bytes, 2);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(values), static_cast<std::streamsize>(count * sizeof(float)));
    if (!out.flush()) throw Error("io", "cannot write " + path);
}

}  // namespace hearth
