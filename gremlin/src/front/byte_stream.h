#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "antlr4-runtime.h"

namespace skydive::gremlin {

// An ANTLR CharStream over ASCII text, read in place: one byte is one code point, so it skips
// ANTLRInputStream's copy into UTF-32 and keeps token indexes equal to byte offsets. The caller
// only loads text without bytes >= 0x80 (others go through ANTLRInputStream).
class ByteStream final : public antlr4::CharStream {
public:
    void load(std::string_view text) {
        text_ = text;
        p_ = 0;
    }

    void consume() override {
        if (p_ >= text_.size()) throw antlr4::IllegalStateException("cannot consume EOF");
        ++p_;
    }
    size_t LA(ssize_t i) override {
        if (i == 0) return 0;
        if (i < 0) {
            if (static_cast<ssize_t>(p_) + i < 0) return antlr4::IntStream::EOF;
            return static_cast<unsigned char>(text_[p_ + i]);
        }
        const size_t at = p_ + static_cast<size_t>(i) - 1;
        if (at >= text_.size()) return antlr4::IntStream::EOF;
        return static_cast<unsigned char>(text_[at]);
    }
    ssize_t mark() override { return -1; }
    void release(ssize_t) override {}
    size_t index() override { return p_; }
    void seek(size_t index) override { p_ = std::min(index, text_.size()); }
    size_t size() override { return text_.size(); }
    std::string getSourceName() const override { return antlr4::IntStream::UNKNOWN_SOURCE_NAME; }
    std::string getText(const antlr4::misc::Interval& interval) override {
        if (interval.a < 0 || interval.b < 0) return {};
        const auto start = static_cast<size_t>(interval.a);
        if (start >= text_.size()) return {};
        const auto stop = std::min(static_cast<size_t>(interval.b), text_.size() - 1);
        if (stop < start) return {};
        return std::string(text_.substr(start, stop - start + 1));
    }
    std::string toString() const override { return std::string(text_); }

private:
    std::string_view text_;
    size_t p_ = 0;
};

}  // namespace skydive::gremlin
