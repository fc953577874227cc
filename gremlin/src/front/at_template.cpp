#include "front/at_template.h"

#include <cctype>

namespace skydive::gremlin {

namespace {

// A cursor over the query that knows the grammar's three lexical rules used here.
class Scanner {
public:
    explicit Scanner(std::string_view s) : s_(s) {}

    std::size_t pos() const { return pos_; }
    void skipSpace() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n'))
            ++pos_;
    }
    bool eat(char c) {
        skipSpace();
        if (pos_ >= s_.size() || s_[pos_] != c) return false;
        ++pos_;
        return true;
    }
    std::string_view ident() {
        skipSpace();
        const std::size_t start = pos_;
        if (pos_ >= s_.size() || !std::isalpha(static_cast<unsigned char>(s_[pos_]))) return {};
        while (pos_ < s_.size() &&
               (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
            ++pos_;
        return s_.substr(start, pos_ - start);
    }
    // A STRING or a NUMBER made of digits only, which the next character must end (a NUMBER
    // token also takes dots, and an IDENT may follow a NUMBER without space).
    std::optional<Param> literal() {
        skipSpace();
        if (pos_ >= s_.size()) return std::nullopt;
        Param p;
        const char c = s_[pos_];
        if (c == '\'' || c == '"') {
            const auto end = s_.find_first_of("'\"", pos_ + 1);
            if (end == std::string_view::npos) return std::nullopt;
            p.kind = ParamKind::String;
            p.text.assign(s_.substr(pos_ + 1, end - pos_ - 1));
            pos_ = end + 1;
            return p;
        }
        std::size_t digits = 0;
        std::int64_t value = 0;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
            if (++digits > 18) return std::nullopt;  // the parser's overflow rules apply
            value = value * 10 + (s_[pos_++] - '0');
        }
        if (digits == 0 ||
            (pos_ < s_.size() && (std::isalpha(static_cast<unsigned char>(s_[pos_])) ||
                                  s_[pos_] == '.' || s_[pos_] == '_')))
            return std::nullopt;
        p.kind = ParamKind::Int;
        p.integer = value;
        return p;
    }

private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
    return true;
}

}  // namespace

std::optional<AtTemplate> splitLeadingAt(std::string_view query) {
    Scanner in(query);
    const auto g = in.ident();
    if (!equalsIgnoreCase(g, "g") || !in.eat('.')) return std::nullopt;
    const auto name = in.ident();
    if (!equalsIgnoreCase(name, "at") && !equalsIgnoreCase(name, "context")) return std::nullopt;
    if (!in.eat('(')) return std::nullopt;
    const std::size_t args_begin = in.pos();
    AtTemplate t;
    for (;;) {
        auto p = in.literal();
        if (!p) return std::nullopt;
        t.params.push_back(std::move(*p));
        if (in.eat(')')) break;
        if (t.params.size() == 2) return std::nullopt;
        in.eat(',');  // commas are optional separators
    }
    // The key keeps everything but the literals, and says how many there were and of which
    // kinds (an Int and a String moment compile alike, but keep the key exact anyway).
    t.key.reserve(query.size() + 8);
    t.key.append("\x01At");
    for (const auto& p : t.params) t.key.push_back(p.kind == ParamKind::Int ? 'i' : 's');
    t.key.push_back('\x01');
    t.key.append(query.substr(0, args_begin));
    t.key.append(query.substr(in.pos()));
    return t;
}

}  // namespace skydive::gremlin
