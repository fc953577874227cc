// Arithmetic of interface and flow metrics: splitting a metric at a moment, summing, slicing a
// period (spec §3.6, ADR 020). Metrics arrive and leave as model Objects; inside they are a
// sorted counter list with their period.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <skydive/gremlin/metrics.h>

namespace skydive::gremlin {

using model::Time;
using model::Value;

namespace {

struct Metric {
    std::vector<std::pair<std::string, Value>> counters;  ///< sorted by key
    Time start = 0;
    Time last = 0;
};

Metric fromValue(const Value& v) {
    Metric m;
    if (!v.isObject()) return m;
    const auto& o = v.asObject();
    m.start = metricTime(v, "Start");
    m.last = metricTime(v, "Last");
    for (const auto& [k, x] : o) {
        if (k == "Start" || k == "Last" || !x.isNumber()) continue;
        m.counters.emplace_back(k.str(), x);  // Object iterates in key order
    }
    return m;
}

// Flow metrics (AB/BA counters) always carry every field; interface metrics leave zeros out,
// as upstream's JSON tags do.
bool isFlowMetric(const Metric& m) {
    return std::any_of(m.counters.begin(), m.counters.end(), [](const auto& c) {
        return c.first.rfind("AB", 0) == 0 || c.first.rfind("BA", 0) == 0;
    });
}

bool isZeroValue(const Value& v) {
    return v.isInt() ? v.asInt() == 0 : v.asDouble() == 0.0;
}

Value toValue(const Metric& m) {
    const bool all = isFlowMetric(m);
    Value out = Value::object();
    auto& o = out.mutableObject();
    for (const auto& [k, x] : m.counters) {
        if (all || !isZeroValue(x)) o.set(k, x);
    }
    if (all || m.start != 0) o.set("Start", static_cast<long long>(m.start));
    if (all || m.last != 0) o.set("Last", static_cast<long long>(m.last));
    return out;
}

bool isZero(const Metric& m) {
    return std::all_of(m.counters.begin(), m.counters.end(),
                       [](const auto& c) { return isZeroValue(c.second); });
}

// Integer counters saturate instead of overflowing (they come from agents and users); `toward`
// has the sign of the true result.
long long saturate(bool overflow, long long r, long long toward) {
    if (!overflow) return r;
    return toward >= 0 ? std::numeric_limits<long long>::max()
                       : std::numeric_limits<long long>::min();
}

Value plus(const Value& a, const Value& b) {
    if (a.isInt() && b.isInt()) {
        long long r = 0;
        const bool o = __builtin_add_overflow(a.asInt(), b.asInt(), &r);
        return Value(saturate(o, r, b.asInt()));
    }
    const double x = a.isInt() ? static_cast<double>(a.asInt()) : a.asDouble();
    const double y = b.isInt() ? static_cast<double>(b.asInt()) : b.asDouble();
    return Value(x + y);
}

Value minus(const Value& a, const Value& b) {
    if (a.isInt() && b.isInt()) {
        long long r = 0;
        const bool o = __builtin_sub_overflow(a.asInt(), b.asInt(), &r);
        return Value(saturate(o, r, a.asInt()));  // only a - (negative) or (negative) - b overflow
    }
    const double x = a.isInt() ? static_cast<double>(a.asInt()) : a.asDouble();
    const double y = b.isInt() ? static_cast<double>(b.asInt()) : b.asDouble();
    return Value(x - y);
}

// A share of a counter: integers truncated toward zero, as upstream's int64(float64(v) * r).
Value share(const Value& v, double ratio) {
    if (v.isInt()) {
        return Value(static_cast<long long>(static_cast<double>(v.asInt()) * ratio));
    }
    return Value(v.asDouble() * ratio);
}

void addInto(Metric& into, const Metric& piece) {
    for (const auto& [k, x] : piece.counters) {
        auto it =
            std::lower_bound(into.counters.begin(), into.counters.end(), k,
                             [](const auto& c, const std::string& key) { return c.first < key; });
        if (it != into.counters.end() && it->first == k) {
            it->second = plus(it->second, x);
        } else {
            into.counters.insert(it, {k, x});
        }
    }
}

struct Halves {
    std::optional<Metric> before;  ///< up to the cut
    std::optional<Metric> after;   ///< from the cut on
};

// The part of `m` before `cut` gets its share of the counters by time; the part after gets
// the rest (nothing is lost to truncation). A cut on or outside an end leaves `m` whole.
Halves split(const Metric& m, Time cut) {
    if (cut < m.start) return {std::nullopt, m};
    if (cut > m.last || m.start == m.last || cut == m.last) return {m, std::nullopt};
    if (cut == m.start) return {std::nullopt, m};
    const double ratio = static_cast<double>(cut - m.start) / static_cast<double>(m.last - m.start);
    Metric a, b;
    a.start = m.start;
    a.last = cut;
    b.start = cut;
    b.last = m.last;
    for (const auto& [k, x] : m.counters) {
        Value part = share(x, ratio);
        b.counters.emplace_back(k, minus(x, part));
        a.counters.emplace_back(k, std::move(part));
    }
    return {std::move(a), std::move(b)};
}

// One series into the slices [start + j * len, ...): pieces are added to `slices`.
void aggregateSeries(std::vector<Metric> ms, Time start, Time last, std::int64_t len,
                     std::vector<std::optional<Metric>>& slices) {
    std::stable_sort(ms.begin(), ms.end(),
                     [](const Metric& a, const Metric& b) { return a.start < b.start; });
    auto put = [&](std::size_t j, const Metric& piece, Time a, Time b) {
        auto& slot = slices[j];
        if (!slot) {
            slot = Metric{{}, a, b};
        }
        addInto(*slot, piece);
    };
    std::size_t i = 0, j = 0;
    while (j < slices.size() && i < ms.size()) {
        const Time a = start + static_cast<Time>(j) * len;
        const Time b = last - a <= len ? last : a + len;
        Metric& m = ms[i];
        if (m.last < a) {  // over before this slice: nothing left to share
            ++i;
            continue;
        }
        if (m.start == m.last) {  // an instant belongs to the slice it falls in
            if (m.start > last) {
                ++i;
            } else if (m.start >= b && b != last) {
                ++j;
            } else {
                put(j, m, a, b);
                ++i;
            }
            continue;
        }
        auto [head, rest] = split(m, a);
        if (!rest) {
            ++i;
            continue;
        }
        auto [inside, after] = split(*rest, b);
        if (!inside) {  // starts at or after the end of this slice
            ++j;
            continue;
        }
        // A share that truncates to nothing in the slice the metric starts in: all of it there.
        if (isZero(*inside) && !isZero(*rest) && m.start >= a && m.start < b) {
            inside = m;
            after.reset();
        }
        put(j, *inside, a, b);
        if (after && !isZero(*after)) {
            m = std::move(*after);
        } else {
            ++i;
        }
    }
}

template <typename F>
void forEachMetric(const Value& series, F&& f) {
    if (!series.isObject()) return;
    for (const auto& [key, list] : series.asObject()) {
        if (!list.isList()) continue;
        for (const auto& v : list.asList()) {
            if (v.isObject()) f(v);
        }
    }
}

}  // namespace

Time metricTime(const Value& metric, std::string_view key) {
    const Value* v = metric.isObject() ? metric.asObject().find(key) : nullptr;
    if (v == nullptr) return 0;
    if (v->isInt()) return v->asInt();
    if (!v->isDouble() || !std::isfinite(v->asDouble())) return 0;
    const double d = v->asDouble();
    constexpr double kMax = 9.2e18;  // inside int64 whatever the rounding
    return static_cast<Time>(std::clamp(d, -kMax, kMax));
}

model::Result<Value> aggregateMetrics(const Value& series, Time start, Time last,
                                      std::int64_t slice_ms) {
    if (slice_ms <= 0) {
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "Aggregates parameter has to be a positive number");
    }
    // In unsigned arithmetic: the times come from stored metrics and may be anywhere.
    const std::uint64_t span =
        last > start ? static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(start) : 0;
    const auto len = static_cast<std::uint64_t>(slice_ms);
    const std::uint64_t count = span / len + (span % len != 0 ? 1 : 0);
    if (count > static_cast<std::uint64_t>(kMaxAggregateSlices)) {
        return model::makeError(
            model::ErrorCode::InvalidArgument,
            "Aggregates: the period would be cut into " + std::to_string(count) + " slices of " +
                std::to_string(slice_ms / 1000) + " s, more than " +
                std::to_string(kMaxAggregateSlices) + "; use a longer slice or a shorter period");
    }
    std::vector<std::optional<Metric>> slices(static_cast<std::size_t>(count));
    if (series.isObject()) {
        for (const auto& [key, list] : series.asObject()) {
            if (!list.isList()) continue;
            std::vector<Metric> ms;
            for (const auto& v : list.asList()) {
                if (v.isObject()) ms.push_back(fromValue(v));
            }
            aggregateSeries(std::move(ms), start, last, slice_ms, slices);
        }
    }
    model::List out;
    for (const auto& s : slices) {
        if (s) out.push_back(toValue(*s));
    }
    Value result = Value::object();
    result.mutableObject().set("Aggregated", Value(std::move(out)));
    return result;
}

std::optional<std::pair<Time, Time>> metricsSpan(const Value& series) {
    std::optional<std::pair<Time, Time>> span;
    forEachMetric(series, [&](const Value& v) {
        const Metric m = fromValue(v);
        if (!span) {
            span = std::pair{m.start, m.last};
        } else {
            span->first = std::min(span->first, m.start);
            span->second = std::max(span->second, m.last);
        }
    });
    return span;
}

Value sumMetrics(const Value& series) {
    std::optional<Metric> total;
    forEachMetric(series, [&](const Value& v) {
        const Metric m = fromValue(v);
        if (!total) {
            total = m;
            return;
        }
        addInto(*total, m);
        total->start = std::min(total->start, m.start);
        total->last = std::max(total->last, m.last);
    });
    return total ? toValue(*total) : Value();
}

model::Result<Value> sumMetricField(const Value& series, std::string_view field) {
    bool known =
        std::find(kMetricCounters.begin(), kMetricCounters.end(), field) != kMetricCounters.end();
    Value total(0LL);
    forEachMetric(series, [&](const Value& v) {
        const Value* x = v.asObject().find(field);
        if (x == nullptr || !x->isNumber()) return;
        known = true;
        total = plus(total, *x);
    });
    if (!known || field == "Start" || field == "Last") {
        return model::makeError(model::ErrorCode::InvalidArgument,
                                "Sum: '" + std::string(field) + "' is not a metric counter");
    }
    return total;
}

}  // namespace skydive::gremlin
