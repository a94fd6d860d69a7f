// Errors inside the core are exceptions carrying a stable code and a human message.
// The binding layer turns them into a code + message for JavaScript; the CLI prints them.
#pragma once
#include <stdexcept>
#include <string>

namespace hearth {

class Error : public std::runtime_error {
public:
    // code: a short stable identifier ("bundle", "data", "argument", "io", "model").
    Error(std::string code, const std::string& message)
        : std::runtime_error(message), code_(std::move(code)) {}
    const std::string& code() const { return code_; }

private:
    std::string code_;
};

}  // namespace hearth
