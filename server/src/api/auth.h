#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <skydive/model/clock.h>
#include <skydive/model/result.h>
#include <skydive/server/config.h>
#include <skydive/server/http_message.h>

#include "api/router.h"

namespace skydive::server {

/// Who a request runs as.
struct Identity {
    std::string user;
    std::string role;
};

/// Authentication backends of spec §4.3 (`noauth`, `basic` with an htpasswd file of bcrypt
/// hashes or inline users) plus session tokens issued by POST /login, and the admin/guest RBAC.
class Auth {
public:
    enum class Type : std::uint8_t { NoAuth, Basic };

    /// Session tokens live this long (ms) unless refreshed by a new login.
    static constexpr model::Time kDefaultSessionTtl = 24 * 3600 * 1000;

    /// Reads the backend named by `backend_key` (e.g. `analyzer.auth.api.backend`):
    /// `auth.<name>.type`, `.file`, `.users`, `.role`, `.roles` (user → role), `.session_ttl` (s).
    static model::Result<std::unique_ptr<Auth>> fromConfig(const Config& config,
                                                           std::string_view backend_key,
                                                           const model::Clock& clock);
    static std::unique_ptr<Auth> noAuth(const model::Clock& clock);

    Type type() const { return type_; }

    /// Token lookup order of spec §4.3: `authtoken` cookie, Authorization header, X-Auth-Token
    /// header, `x-auth-token` query value. Errors carry upstream's texts ("No credentials
    /// provided", "Wrong credentials").
    model::Result<Identity> authenticate(const HttpRequest& request) const;
    /// Checks user/password and opens a session. Returns the token ("" for noauth).
    model::Result<std::pair<Identity, std::string>> login(std::string_view user,
                                                          std::string_view password);

    /// RBAC of spec §4.3: admin may do everything; guest may read status and topology and open
    /// /ws/subscriber.
    static bool allowed(std::string_view role, std::string_view object, Action action);
    static bool websocketAllowed(std::string_view role, std::string_view path);

    void setSessionTtl(model::Time ttl_ms) { session_ttl_ = ttl_ms; }

    /// Verifies a password against a crypt(3) hash (bcrypt `$2y$`/`$2b$`, sha512 `$6$`...).
    static bool verifyHash(std::string_view password, const std::string& hash);
    /// A bcrypt hash (cost 5) of `password`, for tests and tooling.
    static std::string bcryptHash(std::string_view password);

private:
    Auth(Type type, const model::Clock& clock) : type_(type), clock_(clock) {}
    model::Result<Identity> checkPassword(std::string_view user, std::string_view password) const;
    std::string roleOf(std::string_view user) const;

    Type type_;
    const model::Clock& clock_;
    std::map<std::string, std::string, std::less<>> hashes_;  ///< htpasswd user → hash
    std::map<std::string, std::string, std::less<>> plain_;   ///< inline user → password
    std::map<std::string, std::string, std::less<>> roles_;   ///< user → role
    std::string default_role_ = "admin";
    model::Time session_ttl_ = kDefaultSessionTtl;

    struct Session {
        Identity identity;
        model::Time expires_at = 0;
    };
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Session> sessions_;
};

}  // namespace skydive::server
