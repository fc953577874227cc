#include "plan/time_arg.h"

#include <array>
#include <cmath>
#include <string>

namespace skydive::gremlin {

namespace {

constexpr std::int64_t kMaxSeconds = 2147483647;  // larger integers are ms (spec §2.8)
constexpr const char* kBadTime = "Time must be in RFC1123 or in Go Duration format";

model::Error badTime(const Param& p) {
    return model::makeError(model::ErrorCode::InvalidArgument, kBadTime, p.column);
}

// Days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<int> digitsAt(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

}  // namespace

std::optional<std::int64_t> parseRfc1123Ms(std::string_view s) {
    static constexpr std::array<std::string_view, 7> kDays{"Mon", "Tue", "Wed", "Thu",
                                                           "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 12> kMonths{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    // "Mon, 02 Jan 2006 15:04:05 MST": fixed positions up to the zone.
    if (s.size() < 29) return std::nullopt;
    bool day_ok = false;
    for (auto d : kDays) day_ok = day_ok || s.substr(0, 3) == d;
    if (!day_ok || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s[25] != ' ')
        return std::nullopt;
    unsigned month = 0;
    for (unsigned i = 0; i < kMonths.size(); ++i) {
        if (s.substr(8, 3) == kMonths[i]) month = i + 1;
    }
    const auto day = digitsAt(s, 5, 2);
    const auto year = digitsAt(s, 12, 4);
    const auto hh = digitsAt(s, 17, 2);
    const auto mm = digitsAt(s, 20, 2);
    const auto ss = digitsAt(s, 23, 2);
    if (month == 0 || !day || !year || !hh || !mm || !ss || *day < 1 || *day > 31 || *hh > 23 ||
        *mm > 59 || *ss > 59)
        return std::nullopt;
    const auto zone = s.substr(26);
    if (zone.size() < 3 || zone.size() > 5) return std::nullopt;
    for (char c : zone) {
        if (c < 'A' || c > 'Z') return std::nullopt;
    }
    const std::int64_t days = daysFromCivil(*year, month, static_cast<unsigned>(*day));
    return ((days * 24 + *hh) * 60 + *mm) * 60000 + static_cast<std::int64_t>(*ss) * 1000;
}

std::optional<std::int64_t> parseGoDurationMs(std::string_view s) {
    if (s.empty()) return std::nullopt;
    bool negative = false;
    if (s[0] == '-' || s[0] == '+') {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s == "0") return 0;
    if (s.empty()) return std::nullopt;
    long double total_ns = 0;
    while (!s.empty()) {
        std::size_t i = 0;
        long double number = 0;
        bool any_digit = false;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            number = number * 10 + (s[i++] - '0');
            any_digit = true;
        }
        if (i < s.size() && s[i] == '.') {
            ++i;
            long double scale = 0.1L;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
                number += (s[i++] - '0') * scale;
                scale /= 10;
                any_digit = true;
            }
        }
        if (!any_digit) return std::nullopt;
        std::size_t u = i;
        while (u < s.size() && !(s[u] >= '0' && s[u] <= '9') && s[u] != '.') ++u;
        const auto unit = s.substr(i, u - i);
        long double ns = 0;
        if (unit == "ns")
            ns = 1;
        else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
            ns = 1e3L;
        else if (unit == "ms")
            ns = 1e6L;
        else if (unit == "s")
            ns = 1e9L;
        else if (unit == "m")
            ns = 60e9L;
        else if (unit == "h")
            ns = 3600e9L;
        else
            return std::nullopt;
        total_ns += number * ns;
        if (total_ns > 9.2e18L) return std::nullopt;  // Go: "invalid duration" on overflow
        s.remove_prefix(u);
    }
    const auto ms = static_cast<std::int64_t>(total_ns / 1e6L);
    return negative ? -ms : ms;
}

model::Result<TimeArg> timeFromParam(const Param& p) {
    switch (p.kind) {
        case ParamKind::Int:
            if (p.integer <= kMaxSeconds) return TimeArg{TimeArg::Kind::Absolute, p.integer * 1000};
            return TimeArg{TimeArg::Kind::Absolute, p.integer};
        case ParamKind::String:
            if (auto t = parseRfc1123Ms(p.text)) return TimeArg{TimeArg::Kind::Absolute, *t};
            if (auto d = parseGoDurationMs(p.text)) return TimeArg{TimeArg::Kind::Relative, *d};
            return badTime(p);
        case ParamKind::Keyword:
            if (p.keyword == Keyword::Now) return TimeArg{TimeArg::Kind::Now, 0};
            return badTime(p);
        case ParamKind::Double:
        case ParamKind::Predicate: return badTime(p);
    }
    return badTime(p);
}

model::Result<TimeArg> durationFromParam(const Param& p) {
    switch (p.kind) {
        case ParamKind::Int:
            if (p.integer > kMaxSeconds * 1000LL) return badTime(p);
            return TimeArg{TimeArg::Kind::Relative, p.integer * 1000};
        case ParamKind::String:
            if (auto d = parseGoDurationMs(p.text)) return TimeArg{TimeArg::Kind::Relative, *d};
            return badTime(p);
        case ParamKind::Keyword:
            if (p.keyword == Keyword::Forever) return TimeArg{TimeArg::Kind::Forever, 0};
            return badTime(p);
        case ParamKind::Double:
        case ParamKind::Predicate: return badTime(p);
    }
    return badTime(p);
}

}  // namespace skydive::gremlin
