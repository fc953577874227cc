#include <skydive/agent/ovsdb_topology.h>

namespace skydive::agent {

JsonStreamFramer::Chunk JsonStreamFramer::push(std::string_view bytes) {
    buf_.append(bytes);
    Chunk out;
    std::vector<std::string>& docs = out.docs;
    std::size_t start = 0;
    for (std::size_t i = scanned_; i < buf_.size(); ++i) {
        char c = buf_[i];
        if (in_string_) {
            if (escape_) {
                escape_ = false;
            } else if (c == '\\') {
                escape_ = true;
            } else if (c == '"') {
                in_string_ = false;
            }
            continue;
        }
        if (c == '"') {
            in_string_ = true;
        } else if (c == '{' || c == '[') {
            ++depth_;
        } else if (c == '}' || c == ']') {
            if (--depth_ < 0) {
                out.error = model::makeError(model::ErrorCode::InvalidArgument,
                                             "unbalanced JSON from ovsdb");
                return out;
            }
            if (depth_ == 0) {
                docs.emplace_back(buf_, start, i + 1 - start);
                start = i + 1;
            }
        } else if (depth_ == 0 && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            out.error = model::makeError(model::ErrorCode::InvalidArgument,
                                         "unexpected data between JSON texts from ovsdb");
            return out;
        }
    }
    buf_.erase(0, start);
    scanned_ = buf_.size();
    if (buf_.size() > max_bytes_) {
        out.error = model::makeError(model::ErrorCode::InvalidArgument, "ovsdb message too large");
    }
    return out;
}

}  // namespace skydive::agent
