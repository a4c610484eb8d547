// Starting report/run_summary.py after a run, its output on our stderr.
#include "run_summary.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <vector>

#include "build_info.hpp"

extern char** environ;

namespace oomlab {

int print_run_summary(const std::filesystem::path& source_dir, const std::filesystem::path& experiments_dir,
                      const std::set<std::filesystem::path>& record_files, const std::string& scale,
                      const std::string& since) {
  if (record_files.empty()) return 0;
  std::vector<std::string> arguments = {build_info::python_executable,
                                        (source_dir / "report" / "run_summary.py").string(),
                                        "--scale", scale, "--since", since,
                                        "--experiments-dir", experiments_dir.string()};
  for (const auto& file : record_files) arguments.push_back(file.string());
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid = 0;
  const int spawn_error = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    std::cerr << "oomlab: no summary: cannot start " << argv[0] << "\n";
    return -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  const int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (exit_status != 0) std::cerr << "oomlab: the summary (report/run_summary.py) failed; the records are intact\n";
  return exit_status;
}

}  // namespace oomlab
