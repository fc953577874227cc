// main() for every benchmark binary: Google Benchmark's console table, plus one line
//   BENCH <benchmark name> <value> <unit>
// per figure (time per iteration, and every user counter such as items_per_second), so that
// the output of `make bench` can be compared from one change to the next with grep.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

class BenchLineReporter : public benchmark::ConsoleReporter {
public:
    // No colours: their escape codes would end up in front of the BENCH lines in a log.
    BenchLineReporter() : ConsoleReporter(OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& run : runs) {
            if (run.error_occurred) continue;
            std::string name = run.benchmark_name();
            for (char& c : name)
                if (c == ' ') c = '_';
            const char* unit = benchmark::GetTimeUnitString(run.time_unit);
            std::printf("BENCH %s %.6g %s\n", name.c_str(), run.GetAdjustedRealTime(), unit);
            for (const auto& [counter_name, counter] : run.counters) {
                std::printf("BENCH %s/%s %.6g %s\n", name.c_str(), counter_name.c_str(),
                            double(counter),
                            (counter.flags & benchmark::Counter::kIsRate) ? "per_s" : "count");
            }
        }
        std::fflush(stdout);
    }
};

// The file of the first mapped library whose name contains `name`, or "" (/proc/self/maps).
std::string loadedLibrary(const std::string& name) {
    std::ifstream maps("/proc/self/maps");
    for (std::string line; std::getline(maps, line);) {
        const auto slash = line.find('/');
        if (slash != std::string::npos && line.find(name, slash) != std::string::npos)
            return line.substr(slash);
    }
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    // Which RocksDB the figures are of (ADR 045: Debian's runs its debug assertions).
    if (auto rocksdb = loadedLibrary("/librocksdb"); !rocksdb.empty())
        benchmark::AddCustomContext("rocksdb", rocksdb);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    BenchLineReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
