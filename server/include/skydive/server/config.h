#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <skydive/model/result.h>

namespace skydive::server {

/// The configuration of `skydive.yml` (spec §8.2) with the upstream key names.
///
/// Precedence, lowest first: built-in defaults < files (`-c`, merged in order) < environment
/// (`SKYDIVE_` + key upper-cased, `.` and `-` → `_`) < command-line flags. Keys are dotted
/// (`analyzer.listen`). Environment strings are converted to the type of the key's default;
/// list values are whitespace-separated.
class Config {
public:
    using Env = std::map<std::string, std::string>;

    Config();
    ~Config();
    Config(Config&&) noexcept;
    Config& operator=(Config&&) noexcept;

    /// Merges a YAML file (or YAML text with loadString) over what is loaded so far. Maps merge
    /// key by key; scalars and lists replace. Errors name the file, line and column.
    model::Status loadFile(const std::string& path);
    model::Status loadString(std::string_view yaml, const std::string& name = "<string>");

    /// Captures the environment (SKYDIVE_* variables). Defaults to the process environment.
    void setEnvironment(Env env);
    static Env processEnvironment();

    /// A command-line override, highest precedence.
    void setFlag(const std::string& key, std::string value);

    /// Typed reads. A value present at some level but of the wrong type is an InvalidArgument
    /// error naming the key and where the value came from.
    model::Result<std::string> getString(std::string_view key) const;
    model::Result<std::int64_t> getInt(std::string_view key) const;
    model::Result<double> getDouble(std::string_view key) const;
    model::Result<bool> getBool(std::string_view key) const;
    model::Result<std::vector<std::string>> getStringList(std::string_view key) const;

    /// A map of scalars (`auth.basic.users`), from configuration files only.
    model::Result<std::map<std::string, std::string>> getStringMap(std::string_view key) const;
    /// The value of a key as JSON (`/api/config/{key}`): maps, lists, ints, floats, bools and
    /// strings as typed; `null` when unset.
    std::string getJson(std::string_view key) const;

    /// Whether the key is set at any level (defaults included).
    bool has(std::string_view key) const;

    /// Checks every known key's type and the documented constraints (`flow.expire` > 0 ...).
    model::Status validate() const;

    /// Environment variable name of a key: `analyzer.listen` → `SKYDIVE_ANALYZER_LISTEN`.
    static std::string envName(std::string_view key);

    /// Keys with built-in defaults, for `--help`-style listings and validation.
    static const std::map<std::string, std::string, std::less<>>& defaults();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace skydive::server
