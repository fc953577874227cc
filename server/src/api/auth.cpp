#include "api/auth.h"

#include <crypt.h>

#include <cstring>
#include <fstream>
#include <random>

namespace skydive::server {

using model::ErrorCode;
using model::makeError;
using model::Result;

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::optional<std::string> base64Decode(std::string_view in) {
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        const char* p = std::strchr(kB64, c);
        if (c == '\0' || p == nullptr) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(p - kB64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

std::string randomToken() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 4; ++i) {
        std::uint64_t v = rng();
        for (int b = 0; b < 16; ++b) out.push_back(kHex[(v >> (b * 4)) & 0xF]);
    }
    return out;
}

model::Error unauthorized(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

}  // namespace

bool Auth::verifyHash(std::string_view password, const std::string& hash) {
    crypt_data data{};
    const char* out = crypt_r(std::string(password).c_str(), hash.c_str(), &data);
    if (out == nullptr || out[0] == '*') return false;
    return hash == out;
}

std::string Auth::bcryptHash(std::string_view password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn("$2b$", 5, nullptr, 0, salt, sizeof salt) == nullptr) return {};
    crypt_data data{};
    const char* out = crypt_r(std::string(password).c_str(), salt, &data);
    return out == nullptr ? std::string() : std::string(out);
}

std::unique_ptr<Auth> Auth::noAuth(const model::Clock& clock) {
    return std::unique_ptr<Auth>(new Auth(Type::NoAuth, clock));
}

Result<std::unique_ptr<Auth>> Auth::fromConfig(const Config& config, std::string_view backend_key,
                                               const model::Clock& clock) {
    auto name = config.getString(backend_key);
    std::string backend = name.ok() ? *name : "noauth";
    std::string prefix = "auth." + backend + ".";
    auto type = config.getString(prefix + "type");
    // Built-in defaults exist only for the section names basic and noauth (spec §4.3).
    std::string t = type.ok() ? *type : (backend == "basic" || backend == "noauth" ? backend : "");
    if (t == "noauth") return noAuth(clock);
    if (t != "basic") {
        return makeError(ErrorCode::InvalidArgument,
                         "authentication backend '" + backend + "': unsupported type '" + t + "'");
    }
    std::unique_ptr<Auth> auth(new Auth(Type::Basic, clock));
    auto file = config.getString(prefix + "file");
    auto users = config.getStringMap(prefix + "users");
    if (!users.ok()) return users.error();
    if (file.ok() && !file->empty()) {
        std::ifstream in(*file);
        if (!in) {
            return makeError(ErrorCode::InvalidArgument, "authentication backend '" + backend +
                                                             "': cannot read htpasswd file '" +
                                                             *file + "'");
        }
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            auto colon = line.find(':');
            if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
            auth->hashes_[line.substr(0, colon)] = line.substr(colon + 1);
        }
    } else if (users->empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "authentication backend '" + backend + "': no htpasswd file nor users");
    }
    for (auto& [u, p] : *users) auth->plain_[u] = p;
    if (auto role = config.getString(prefix + "role"); role.ok() && !role->empty())
        auth->default_role_ = *role;
    auto roles = config.getStringMap(prefix + "roles");
    if (!roles.ok()) return roles.error();
    for (auto& [u, r] : *roles) auth->roles_[u] = r;
    if (auto ttl = config.getInt(prefix + "session_ttl"); ttl.ok() && *ttl > 0)
        auth->session_ttl_ = *ttl * 1000;
    return auth;
}

std::string Auth::roleOf(std::string_view user) const {
    if (auto it = roles_.find(user); it != roles_.end()) return it->second;
    return default_role_;
}

Result<Identity> Auth::checkPassword(std::string_view user, std::string_view password) const {
    if (auto it = plain_.find(user); it != plain_.end() && it->second == password)
        return Identity{std::string(user), roleOf(user)};
    if (auto it = hashes_.find(user); it != hashes_.end() && verifyHash(password, it->second))
        return Identity{std::string(user), roleOf(user)};
    return unauthorized("Wrong credentials");
}

Result<Identity> Auth::authenticate(const HttpRequest& request) const {
    if (type_ == Type::NoAuth) return Identity{"admin", "admin"};
    std::string token;
    if (auto c = request.cookie("authtoken")) {
        token = *c;
    } else if (auto h = request.header("authorization")) {
        std::string_view v = *h;
        auto space = v.find(' ');
        token = std::string(space == std::string_view::npos ? v : v.substr(space + 1));
    } else if (auto x = request.header("x-auth-token")) {
        token = std::string(*x);
    } else if (auto q = request.queryParam("x-auth-token")) {
        token = std::string(*q);
    }
    if (token.empty()) return unauthorized("No credentials provided");
    {
        std::lock_guard lock(mutex_);
        if (auto it = sessions_.find(token); it != sessions_.end()) {
            if (it->second.expires_at > clock_.now()) return it->second.identity;
            return unauthorized("Session expired");
        }
    }
    // Upstream's basic token: base64 of "user:password".
    auto decoded = base64Decode(token);
    if (!decoded) return unauthorized("Wrong credentials");
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return unauthorized("Wrong credentials");
    return checkPassword(std::string_view(*decoded).substr(0, colon),
                         std::string_view(*decoded).substr(colon + 1));
}

Result<std::pair<Identity, std::string>> Auth::login(std::string_view user,
                                                     std::string_view password) {
    if (type_ == Type::NoAuth) return std::pair<Identity, std::string>({"admin", "admin"}, "");
    if (user.empty()) return unauthorized("No credentials provided");
    auto id = checkPassword(user, password);
    if (!id.ok()) return id.error();
    std::string token = randomToken();
    std::lock_guard lock(mutex_);
    model::Time now = clock_.now();
    std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires_at <= now; });
    sessions_[token] = Session{*id, now + session_ttl_};
    return std::pair<Identity, std::string>(*id, token);
}

bool Auth::allowed(std::string_view role, std::string_view object, Action action) {
    if (role == "admin") {
        // Upstream has no `topology write` permission, but POST /api/topology only reads.
        return true;
    }
    if (role == "guest") {
        return action == Action::Read && (object == "status" || object == "topology");
    }
    return false;
}

bool Auth::websocketAllowed(std::string_view role, std::string_view path) {
    if (role == "admin") return true;
    if (role == "guest") return path == "/ws/subscriber";
    return false;
}

}  // namespace skydive::server
