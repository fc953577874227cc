#include "api/json_patch.h"

#include <string>
#include <vector>

namespace skydive::server {

namespace {

using model::ErrorCode;
using model::makeError;
using model::Value;

model::Error bad(std::string message) {
    return makeError(ErrorCode::InvalidArgument, "incorrect JSON patch: " + std::move(message));
}

model::Result<std::vector<std::string>> splitPointer(std::string_view p) {
    if (p.empty() || p.front() != '/') return bad("path must start with '/'");
    std::vector<std::string> out;
    std::string cur;
    for (std::size_t i = 1; i <= p.size(); ++i) {
        if (i == p.size() || p[i] == '/') {
            out.push_back(cur);
            cur.clear();
        } else if (p[i] == '~' && i + 1 < p.size() && (p[i + 1] == '0' || p[i + 1] == '1')) {
            cur.push_back(p[i + 1] == '0' ? '~' : '/');
            ++i;
        } else {
            cur.push_back(p[i]);
        }
    }
    return out;
}

/// The object holding the last token, or null when a step is missing or not an object.
Value* parentOf(Value& doc, const std::vector<std::string>& tokens) {
    Value* cur = &doc;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        if (!cur->isObject()) return nullptr;
        cur = cur->mutableObject().find(tokens[i]);
        if (cur == nullptr) return nullptr;
    }
    return cur->isObject() ? cur : nullptr;
}

model::Status applyOne(Value& doc, const Value& op) {
    if (!op.isObject()) return bad("operation must be an object");
    const Value* name = op.asObject().find("op");
    const Value* path = op.asObject().find("path");
    if (name == nullptr || !name->isString() || path == nullptr || !path->isString())
        return bad("operation needs 'op' and 'path'");
    auto tokens = splitPointer(path->asString());
    if (!tokens.ok()) return tokens.error();
    Value* parent = parentOf(doc, *tokens);
    if (parent == nullptr) return bad("path '" + std::string(path->asString()) + "' not found");
    const std::string& key = tokens->back();
    const Value* value = op.asObject().find("value");
    std::string_view kind = name->asString();
    model::Object& obj = parent->mutableObject();
    if (kind == "add" || kind == "replace") {
        if (value == nullptr) return bad("'" + std::string(kind) + "' needs a value");
        if (kind == "replace" && obj.find(key) == nullptr)
            return bad("path '" + std::string(path->asString()) + "' not found");
        obj.set(key, *value);
        return {};
    }
    if (kind == "remove") {
        if (!obj.erase(key)) return bad("path '" + std::string(path->asString()) + "' not found");
        return {};
    }
    if (kind == "test") {
        const Value* cur = obj.find(key);
        if (value == nullptr || cur == nullptr || !(*cur == *value)) return bad("test failed");
        return {};
    }
    return bad("unsupported operation '" + std::string(kind) + "'");
}

}  // namespace

model::Status applyJsonPatch(Value& doc, const Value& patch) {
    if (!patch.isList()) return bad("a patch is a JSON array of operations");
    Value work = doc;
    for (const Value& op : patch.asList()) {
        if (auto st = applyOne(work, op); !st.ok()) return st;
    }
    doc = std::move(work);
    return {};
}

}  // namespace skydive::server
