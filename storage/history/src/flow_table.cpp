#include <limits>

#include <skydive/model/json.h>

#include "store_impl.h"

namespace skydive::store {

using model::ErrorCode;
using model::makeError;

namespace {

std::string jsonValue(const model::Value& v) {
    std::string out(1, static_cast<char>(kValueFormat));
    out += model::toJson(v);
    return out;
}

model::Result<model::Value> parseValue(std::string_view bytes, std::string_view what) {
    if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != kValueFormat)
        return makeError(ErrorCode::Corruption, std::string(what) + " record: bad format byte");
    auto v = model::parseJson(bytes.substr(1));
    if (!v) return makeError(ErrorCode::Corruption, std::string(what) + ": " + v.error().message);
    return v;
}

model::Status checkId(std::string_view id, std::string_view what) {
    if (id.empty() || id.size() > kMaxKeyString)
        return makeError(ErrorCode::InvalidArgument, std::string(what) + " must be 1-65535 bytes");
    return {};
}

}  // namespace

// flow: uuid -> 0x01 | Last u64 | JSON; flowtime: Last i64f | uuid -> empty. The Last copy in
// the flow value finds the previous flowtime key when the flow is updated.
model::Status Store::putFlow(std::string_view uuid, Time last, const model::Value& flow) {
    if (auto st = checkId(uuid, "flow UUID"); !st) return st;
    if (!flow.isObject()) return makeError(ErrorCode::InvalidArgument, "flow must be an object");
    Impl& im = *impl_;
    auto old = im.rocks->get(Cf::Flow, uuid);
    if (!old) return old.error();
    rocksdb::WriteBatch b;
    if (*old && (*old)->size() >= 9) {
        std::uint64_t u = 0;
        for (std::size_t i = 1; i <= 8; ++i) u = (u << 8) | static_cast<std::uint8_t>((**old)[i]);
        Time prev = static_cast<Time>(u ^ 0x8000000000000000ULL);
        b.Delete(im.rocks->cf(Cf::FlowTime), toSlice(encodeFlowTimeKey(prev, uuid)));
    }
    // value: 0x01 | Last u64 | JSON (the Last copy finds the old flowtime key on update)
    std::string value(1, static_cast<char>(kValueFormat));
    putI64f(value, last);
    value += model::toJson(flow);
    b.Put(im.rocks->cf(Cf::Flow), toSlice(uuid), toSlice(value));
    b.Put(im.rocks->cf(Cf::FlowTime), toSlice(encodeFlowTimeKey(last, uuid)), rocksdb::Slice());
    return im.rocks->write(b, im.opts.sync == SyncPolicy::Always);
}

model::Result<model::Value> Store::getFlow(std::string_view uuid) const {
    if (auto st = checkId(uuid, "flow UUID"); !st) return st.error();
    auto v = impl_->rocks->get(Cf::Flow, uuid);
    if (!v) return v.error();
    if (!*v) return makeError(ErrorCode::NotFound, "flow " + std::string(uuid) + " not found");
    std::string_view bytes = **v;
    if (bytes.size() < 9 || static_cast<std::uint8_t>(bytes[0]) != kValueFormat)
        return makeError(ErrorCode::Corruption, "flow record: bad header");
    auto flow = model::parseJson(bytes.substr(9));
    if (!flow) return makeError(ErrorCode::Corruption, "flow: " + flow.error().message);
    return flow;
}

model::Result<std::vector<model::Value>> Store::flowsUpdatedBetween(Time from, Time to) const {
    std::vector<model::Value> out;
    if (from > to) return out;
    std::string start, end;
    putI64f(start, from);
    auto it = impl_->rocks->iterator(Cf::FlowTime);
    for (it->Seek(toSlice(start)); it->Valid(); it->Next()) {
        std::string_view key = view(it->key());
        if (key.size() < 8) return makeError(ErrorCode::Corruption, "bad flowtime key");
        std::uint64_t u = 0;
        for (int i = 0; i < 8; ++i)
            u = (u << 8) | static_cast<std::uint8_t>(key[static_cast<std::size_t>(i)]);
        Time t = static_cast<Time>(u ^ 0x8000000000000000ULL);
        if (t > to) break;
        auto f = getFlow(key.substr(8));
        if (!f) return f.error();
        out.push_back(std::move(*f));
    }
    if (!it->status().ok()) return fromRocks(it->status(), "flowtime scan");
    return out;
}

model::Status Store::putMetric(std::string_view node_id, Time start, Time last,
                               const model::Value& metric) {
    if (auto st = checkId(node_id, "node ID"); !st) return st;
    if (!metric.isObject())
        return makeError(ErrorCode::InvalidArgument, "metric must be an object");
    rocksdb::WriteBatch b;
    b.Put(impl_->rocks->cf(Cf::Metric), toSlice(encodeMetricKey(node_id, start, last)),
          toSlice(jsonValue(metric)));
    return impl_->rocks->write(b, impl_->opts.sync == SyncPolicy::Always);
}

model::Result<std::vector<model::Value>> Store::metricsBetween(std::string_view node_id, Time from,
                                                               Time to) const {
    if (auto st = checkId(node_id, "node ID"); !st) return st.error();
    std::vector<model::Value> out;
    std::string prefix = encodeMetricKey(node_id, 0, 0).substr(0, 2 + node_id.size());
    auto it = impl_->rocks->iterator(Cf::Metric);
    for (it->Seek(toSlice(prefix)); it->Valid(); it->Next()) {
        std::string_view key = view(it->key());
        if (key.substr(0, prefix.size()) != prefix) break;
        std::string_view rest = key.substr(prefix.size());
        if (rest.size() != 16) return makeError(ErrorCode::Corruption, "bad metric key");
        auto field = [&](std::size_t off) {
            std::uint64_t u = 0;
            for (std::size_t i = 0; i < 8; ++i)
                u = (u << 8) | static_cast<std::uint8_t>(rest[off + i]);
            return static_cast<Time>(u ^ 0x8000000000000000ULL);
        };
        Time start = field(0), last = field(8);
        if (start > to) break;
        if (last < from) continue;
        auto v = parseValue(view(it->value()), "metric");
        if (!v) return v.error();
        out.push_back(std::move(*v));
    }
    if (!it->status().ok()) return fromRocks(it->status(), "metric scan");
    return out;
}

}  // namespace skydive::store
