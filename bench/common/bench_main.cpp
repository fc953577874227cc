// main() for every benchmark binary: Google Benchmark's console table, plus one line
//   BENCH <benchmark name> <value> <unit>
// per figure (time per iteration, and every user counter such as items_per_second), so that
// the output of `make bench` can be compared from one change to the next with grep.
#include <benchmark/benchmark.h>

#include <cstdio>
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

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    BenchLineReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
