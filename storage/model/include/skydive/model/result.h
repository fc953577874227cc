#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace skydive::model {

/// The closed set of error kinds crossing module boundaries (STYLE.md "Errors").
enum class ErrorCode : std::uint8_t {
    InvalidArgument,
    NotFound,
    Unsupported,
    Timeout,
    Unavailable,
    Conflict,
    Corruption,
    Internal,
};

std::string_view errorCodeName(ErrorCode code);

/// An error with a human-readable message. `position` is a 1-based column for query errors and
/// 0 when it does not apply.
struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
    std::uint32_t position = 0;

    /// "InvalidArgument: message" (plus " at column N" when a position is set).
    [[nodiscard]] std::string toString() const;
    friend bool operator==(const Error&, const Error&) = default;
};

inline Error makeError(ErrorCode code, std::string message, std::uint32_t position = 0) {
    return Error{code, std::move(message), position};
}

/// A value or an Error. Access to the wrong alternative is a programming error (asserted).
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
    Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

    bool ok() const { return data_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(data_); }
    const T& value() const& { return std::get<0>(data_); }
    T&& value() && { return std::get<0>(std::move(data_)); }
    T* operator->() { return &std::get<0>(data_); }
    const T* operator->() const { return &std::get<0>(data_); }
    T& operator*() & { return std::get<0>(data_); }
    const T& operator*() const& { return std::get<0>(data_); }

    const Error& error() const& { return std::get<1>(data_); }
    Error&& error() && { return std::get<1>(std::move(data_)); }

private:
    std::variant<T, Error> data_;
};

/// Result of an operation that yields nothing but success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const& { return error_; }
    Error&& error() && { return std::move(error_); }

private:
    Error error_;
    bool ok_ = true;
};

using Status = Result<void>;

}  // namespace skydive::model
