// Runs the real `skydive` binary and checks its exit codes and messages.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "../../support/process.h"

namespace {

skydive::test_support::CommandResult run(const std::string& args) {
    return skydive::test_support::runCommand(std::string(SKYDIVE_BINARY) + " " + args + " 2>&1");
}

TEST(Cli, HelpListsEverySubcommand) {
    auto r = run("--help");
    EXPECT_EQ(r.code, 0);
    for (const char* sub : {"allinone", "analyzer", "agent", "client", "version"}) {
        EXPECT_NE(r.output.find(sub), std::string::npos) << sub;
    }
    for (const char* sub : {"allinone", "analyzer", "agent", "client", "version"}) {
        EXPECT_EQ(run(std::string(sub) + " --help").code, 0) << sub;
    }
}

TEST(Cli, UnknownFlagIsOneLineAndExit2) {
    auto r = run("analyzer --no-such-flag");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("no-such-flag"), std::string::npos);
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_EQ(run("").code, 2);
    EXPECT_EQ(run("frobnicate").code, 2);
}

TEST(Cli, BadConfigExit2) {
    auto dir = std::filesystem::temp_directory_path() / ("skydive-cli-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    auto file = dir / "bad.yml";
    FILE* f = fopen(file.c_str(), "w");
    fputs("flow:\n  expire: -1\n", f);
    fclose(f);
    auto r = run("analyzer -c " + file.string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("flow.expire"), std::string::npos);
    auto missing = run("analyzer -c " + (dir / "missing.yml").string());
    EXPECT_EQ(missing.code, 2);
    EXPECT_NE(missing.output.find("missing.yml"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(Cli, EnvironmentOverrideIsValidated) {
    auto r = skydive::test_support::runCommand("SKYDIVE_FLOW_UPDATE=often " +
                                               std::string(SKYDIVE_BINARY) + " analyzer 2>&1");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.output.find("flow.update"), std::string::npos);
}

TEST(Cli, VersionPrints) {
    auto r = run("version");
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.output.rfind("skydive ", 0), 0u);
}

TEST(Cli, AgentRefusesUnknownProbe) {
    auto r = skydive::test_support::runCommand("SKYDIVE_AGENT_TOPOLOGY_PROBES=nosuchprobe " +
                                               std::string(SKYDIVE_BINARY) + " agent 2>&1");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.output.find("nosuchprobe"), std::string::npos) << r.output;
}

TEST(Cli, AnalyzerStaysUpAndStopsOnSigterm) {
    auto dir = std::filesystem::temp_directory_path() / ("skydive-run-" + std::to_string(getpid()));
    auto log = dir.string() + ".log";
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        FILE* out = std::freopen(log.c_str(), "w", stdout);
        if (out == nullptr || ::dup2(fileno(stdout), STDERR_FILENO) < 0) _exit(126);
        execl(SKYDIVE_BINARY, SKYDIVE_BINARY, "--data-dir", dir.c_str(), "analyzer", "--listen",
              "127.0.0.1:0", static_cast<char*>(nullptr));
        _exit(127);
    }
    // Up once it says where it listens (signals are handled from before that line on); a fixed
    // sleep was too short on a loaded machine: the SIGTERM then came before the handling did.
    auto said = [&](const std::string& what) {
        std::ifstream in(log);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return text.find(what) != std::string::npos;
    };
    int status = 0;
    bool up = false;
    for (int i = 0; i < 600 && !up; ++i) {
        if (waitpid(pid, &status, WNOHANG) != 0) break;
        up = said("listening on");
        if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(up) << "analyzer did not come up";
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0) << "analyzer exited early";
    kill(pid, SIGTERM);
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    EXPECT_TRUE(said("shutting down"));
    EXPECT_TRUE(std::filesystem::is_directory(dir));
    std::filesystem::remove_all(dir);
    std::filesystem::remove(log);
}

}  // namespace
