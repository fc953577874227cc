#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <skydive/client/http_client.h>

namespace skydive::client {

/// `skydive client ...` (spec §8.3): query, status, topology query/export.
struct ClientCommand {
    enum class Kind : std::uint8_t { Query, Status, TopologyQuery, TopologyExport };
    Kind kind = Kind::Status;
    ClientOptions connection;
    std::string gremlin;          ///< query text (query, topology query)
    std::string format = "json";  ///< json or dot
};

/// Exit codes: 0 success; 1 analyzer unreachable or request refused (query error, server
/// error); 3 authentication failed; 2 usage error.
constexpr int kClientOk = 0;
constexpr int kClientFailure = 1;
constexpr int kClientUsage = 2;
constexpr int kClientAuth = 3;

/// Runs one command, printing indented JSON (or DOT) to `out` and errors to `err`.
int runClientCommand(const ClientCommand& cmd, std::ostream& out, std::ostream& err);

}  // namespace skydive::client
