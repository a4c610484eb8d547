// Runs a shell command for the CLI tests and captures its exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// How much slower than a normal machine this one runs: caps and timeouts in tests are multiplied
// by it. 1 unless OOMLAB_TIME_FACTOR says otherwise (make test-v2's emulated guest sets ~20).
inline double time_factor() {
  const char* text = std::getenv("OOMLAB_TIME_FACTOR");
  const double factor = text ? std::atof(text) : 1.0;
  return factor >= 1.0 ? factor : 1.0;
}

inline CommandResult run_command(const std::string& command) {
  char err_path[] = "/tmp/oomlab-test-stderr-XXXXXX";
  const int err_fd = ::mkstemp(err_path);
  ::close(err_fd);
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>" + err_path).c_str(), "r");
  char buffer[4096];
  std::size_t count;
  while ((count = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, count);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.err = read_whole_file(err_path);
  ::unlink(err_path);
  return result;
}
