#include <skydive/client/commands.h>

#include <ostream>

#include <skydive/model/json.h>

namespace skydive::client {

namespace {

std::string queryBody(const std::string& gremlin) {
    model::JsonWriter w;
    w.beginObject().key("GremlinQuery").string(gremlin).endObject();
    return std::move(w).str();
}

std::string trimNewline(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

/// Prints the outcome of one request; returns the exit code.
int report(const model::Result<Response>& r, const ClientCommand& cmd, std::ostream& out,
           std::ostream& err) {
    if (!r.ok()) {
        err << "skydive: error: cannot reach the analyzer at " << cmd.connection.address << ": "
            << r.error().message << "\n";
        return kClientFailure;
    }
    if (r->status == 401) {
        err << "skydive: error: authentication failed: " << trimNewline(r->body) << "\n";
        return kClientAuth;
    }
    if (r->status == 405 && cmd.connection.username.empty() == false) {
        err << "skydive: error: permission denied" << (r->body.empty() ? "" : ": ")
            << trimNewline(r->body) << "\n";
        return kClientAuth;
    }
    if (r->status == 204) return kClientOk;
    if (r->status >= 400) {
        err << "skydive: error: the analyzer answered " << r->status << ": " << trimNewline(r->body)
            << "\n";
        return kClientFailure;
    }
    if (cmd.format == "dot") {
        out << r->body;
        if (!r->body.empty() && r->body.back() != '\n') out << "\n";
    } else {
        out << model::indentJson(r->body) << "\n";
    }
    return kClientOk;
}

}  // namespace

int runClientCommand(const ClientCommand& cmd, std::ostream& out, std::ostream& err) {
    if (cmd.format != "json" && cmd.format != "dot") {
        err << "skydive: error: unsupported format '" << cmd.format << "' (json or dot)\n";
        return kClientUsage;
    }
    HttpClient client(cmd.connection);
    Headers headers;
    if (cmd.format == "dot") headers.emplace_back("Accept", "text/vnd.graphviz");
    switch (cmd.kind) {
        case ClientCommand::Kind::Status:
            return report(client.request("GET", "/api/status"), cmd, out, err);
        case ClientCommand::Kind::Query:
        case ClientCommand::Kind::TopologyQuery:
            if (cmd.gremlin.empty()) {
                err << "skydive: error: a Gremlin query is required\n";
                return kClientUsage;
            }
            return report(client.request("POST", "/api/topology", queryBody(cmd.gremlin), headers),
                          cmd, out, err);
        case ClientCommand::Kind::TopologyExport:
            return report(client.request("GET", "/api/topology"), cmd, out, err);
    }
    return kClientUsage;
}

}  // namespace skydive::client
