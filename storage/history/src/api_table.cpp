#include <skydive/model/json.h>

#include "store_impl.h"

namespace skydive::store {

using model::ErrorCode;
using model::makeError;

namespace {

model::Status checkApiKey(std::string_view kind, std::string_view id) {
    if (kind.empty() || kind.size() > 255)
        return makeError(ErrorCode::InvalidArgument, "API object kind must be 1-255 bytes");
    if (id.empty() || id.size() > kMaxKeyString)
        return makeError(ErrorCode::InvalidArgument, "API object ID must be 1-65535 bytes");
    return {};
}

model::Result<model::Value> decodeApiValue(std::string_view bytes) {
    if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != kValueFormat)
        return makeError(ErrorCode::Corruption, "api record: bad format byte");
    auto v = model::parseJson(bytes.substr(1));
    if (!v) return makeError(ErrorCode::Corruption, "api record: " + v.error().message);
    return v;
}

}  // namespace

model::Status Store::putApiObject(std::string_view kind, std::string_view id,
                                  const model::Value& object) {
    if (auto st = checkApiKey(kind, id); !st) return st;
    if (!object.isObject())
        return makeError(ErrorCode::InvalidArgument, "API object must be a JSON object");
    std::string value(1, static_cast<char>(kValueFormat));
    value += model::toJson(object);
    rocksdb::WriteBatch b;
    b.Put(impl_->rocks->cf(Cf::Api), toSlice(encodeApiKey(kind, id)), toSlice(value));
    return impl_->rocks->write(b, impl_->opts.sync == SyncPolicy::Always);
}

model::Result<model::Value> Store::getApiObject(std::string_view kind, std::string_view id) const {
    if (auto st = checkApiKey(kind, id); !st) return st.error();
    auto v = impl_->rocks->get(Cf::Api, encodeApiKey(kind, id));
    if (!v) return v.error();
    if (!*v)
        return makeError(ErrorCode::NotFound,
                         std::string(kind) + " " + std::string(id) + " not found");
    return decodeApiValue(**v);
}

model::Result<std::vector<std::pair<std::string, model::Value>>> Store::listApiObjects(
    std::string_view kind) const {
    if (kind.empty() || kind.size() > 255)
        return makeError(ErrorCode::InvalidArgument, "API object kind must be 1-255 bytes");
    std::string prefix = apiPrefix(kind);
    std::vector<std::pair<std::string, model::Value>> out;
    auto it = impl_->rocks->iterator(Cf::Api);
    for (it->Seek(toSlice(prefix)); it->Valid(); it->Next()) {
        if (view(it->key()).substr(0, prefix.size()) != prefix) break;
        auto key = decodeApiKey(view(it->key()));
        if (!key) return makeError(ErrorCode::Corruption, "api record: bad key");
        auto v = decodeApiValue(view(it->value()));
        if (!v) return v.error();
        out.emplace_back(std::move(key->second), std::move(*v));
    }
    if (!it->status().ok()) return fromRocks(it->status(), "api scan");
    return out;
}

model::Status Store::deleteApiObject(std::string_view kind, std::string_view id) {
    if (auto st = checkApiKey(kind, id); !st) return st;
    auto v = impl_->rocks->get(Cf::Api, encodeApiKey(kind, id));
    if (!v) return v.error();
    if (!*v)
        return makeError(ErrorCode::NotFound,
                         std::string(kind) + " " + std::string(id) + " not found");
    rocksdb::WriteBatch b;
    b.Delete(impl_->rocks->cf(Cf::Api), toSlice(encodeApiKey(kind, id)));
    return impl_->rocks->write(b, impl_->opts.sync == SyncPolicy::Always);
}

}  // namespace skydive::store
