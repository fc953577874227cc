// Conformance runner: `conformance [--skip p1,p2,...] <cases dir> <fixtures dir>`.
// Loads each case's fixture into a graph, runs the query through the Engine, checks the JSON
// body as the case's expect.kind says (conformance/README.md), prints one line per failing case
// and a closing "N passed, N failed" line. Exit status 1 when a case failed.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <skydive/gremlin/engine.h>
#include <skydive/gremlin/metrics.h>
#include <skydive/model/json.h>

#include "case_check.h"
#include "fixture_source.h"
#include "store_source.h"

namespace fs = std::filesystem;
using namespace skydive;

namespace {

std::vector<std::string> splitList(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');) {
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream buf;
    buf << in.rdbuf();
    return buf.str();
}

const model::Value* field(const model::Value& v, std::string_view key) {
    return v.isObject() ? v.asObject().find(key) : nullptr;
}

std::string str(const model::Value* v) {
    return v && v->isString() ? std::string(v->asString()) : "";
}

std::int64_t integer(const model::Value* v) {
    return v && v->isInt() ? v->asInt() : 0;
}

// A case of upstream's metric unit tests (`metrics_input`): the series, the time context in
// seconds and the slice length go straight to Aggregates(), then Sum() when asked.
model::Result<std::string> runMetricsCase(const model::Value& input) {
    const auto* series = field(input, "Metrics");
    if (series == nullptr) return model::makeError(model::ErrorCode::InvalidArgument, "no Metrics");
    const std::int64_t at = integer(field(input, "At")) * 1000;
    const std::int64_t duration = integer(field(input, "Duration")) * 1000;
    auto aggregated = gremlin::aggregateMetrics(*series, at - duration, at,
                                                integer(field(input, "Slice")) * 1000);
    if (!aggregated) return aggregated.error();
    const auto* sum = field(input, "Sum");
    if (sum != nullptr && sum->isBool() && sum->asBool()) {
        auto one = gremlin::sumMetrics(aggregated->asObject().find("Aggregated") != nullptr
                                           ? *aggregated
                                           : model::Value::object());
        return model::toJson(one);
    }
    gremlin::QueryResult r;
    r.kind = gremlin::ResultKind::Metrics;
    r.value = std::move(*aggregated);
    return gremlin::toJson(r);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> skip;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--skip" && i + 1 < argc) {
            skip = splitList(argv[++i]);
        } else {
            args.push_back(a);
        }
    }
    if (args.size() != 2) {
        std::cerr << "usage: conformance [--skip prefix,...] <cases dir> <fixtures dir>\n";
        return 2;
    }
    const fs::path cases_dir = args[0], fixtures_dir = args[1];
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(cases_dir, ec)) {
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    if (ec) {
        std::cerr << "conformance: cannot read " << cases_dir << ": " << ec.message() << "\n";
        return 2;
    }
    std::sort(files.begin(), files.end());

    const auto& clock = model::SystemClock::instance();
    gremlin::Engine engine(clock, {});
    std::map<std::string, std::shared_ptr<graph::GraphSource>> sources;
    // The fixture's `Flows`: what the agents' live flow tables hold for G.Flows().
    std::map<std::string, std::shared_ptr<gremlin::FlowList>> flow_lists;
    int passed = 0, failed = 0, skipped = 0;
    for (const auto& file : files) {
        const std::string name = file.filename().string();
        auto c = model::parseJson(readFile(file));
        if (!c) {
            std::cout << "FAIL " << name << ": invalid case JSON: " << c.error().message << "\n";
            ++failed;
            continue;
        }
        const std::string id = str(field(*c, "id"));
        const bool skip_it = std::any_of(skip.begin(), skip.end(),
                                         [&](const std::string& p) { return id.rfind(p, 0) == 0; });
        if (skip_it) {
            ++skipped;
            continue;
        }
        const std::string fixture = str(field(*c, "fixture"));
        const std::string query = str(field(*c, "query"));
        const auto* expect = field(*c, "expect");
        if (const auto* input = field(*c, "metrics_input"); input != nullptr && expect != nullptr) {
            const std::string why =
                gremlin::tools::checkExpectation(*expect, runMetricsCase(*input));
            if (why.empty()) {
                ++passed;
            } else {
                std::cout << "FAIL " << name << " (" << id << "): " << str(field(*c, "step"))
                          << ": " << why << "\n";
                ++failed;
            }
            continue;
        }
        if (fixture.empty() || query.empty() || expect == nullptr) {
            std::cout << "FAIL " << name << " (" << id
                      << "): unsupported case format (no fixture/query/expect)\n";
            ++failed;
            continue;
        }
        auto& source = sources[fixture];
        if (!source) {
            auto f = gremlin::tools::loadFixture(
                (fixtures_dir / fs::path(fixture).filename()).string(), clock.now());
            if (!f) {
                std::cout << "FAIL " << name << " (" << id << "): fixture: " << f.error().toString()
                          << "\n";
                ++failed;
                continue;
            }
            auto made = gremlin::tools::makeSource(*f, clock);
            if (!made) {
                std::cout << "FAIL " << name << " (" << id
                          << "): loading the fixture: " << made.error().toString() << "\n";
                ++failed;
                continue;
            }
            source = *made;
            std::vector<model::Value> flows;
            if (const auto* list = field(f->raw, "Flows"); list != nullptr && list->isList()) {
                flows.assign(list->asList().begin(), list->asList().end());
            }
            flow_lists[fixture] = std::make_shared<gremlin::FlowList>(std::move(flows));
        }
        auto result = engine.run(query, *source, flow_lists[fixture].get());
        model::Result<std::string> body = result
                                              ? model::Result<std::string>(gremlin::toJson(*result))
                                              : model::Result<std::string>(result.error());
        const std::string why = gremlin::tools::checkExpectation(*expect, body);
        if (why.empty()) {
            ++passed;
        } else {
            std::cout << "FAIL " << name << " (" << id << "): " << query << ": " << why << "\n";
            ++failed;
        }
    }
    std::cout << passed << " passed, " << failed << " failed";
    if (skipped > 0) std::cout << ", " << skipped << " skipped (prefixes: ";
    for (std::size_t i = 0; skipped > 0 && i < skip.size(); ++i)
        std::cout << (i ? "," : "") << skip[i];
    if (skipped > 0) std::cout << ")";
    std::cout << "\n";
    return failed == 0 ? 0 : 1;
}
