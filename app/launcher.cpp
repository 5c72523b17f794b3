#include "launcher.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "train/preemption.h"

namespace longconv::cli {
namespace {

std::vector<pid_t> g_children;  // for the signal handler

void forward_signal(int sig) {
  for (pid_t pid : g_children)
    if (pid > 0) kill(pid, sig);
}

// A port no one listens on now: bind port 0 on loopback and read what the kernel chose. Another program could take
// it before rank 0 binds it; rank 0 then fails with "port in use" and says so.
uint16_t free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(fmt::format("launcher: socket: {}", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    throw std::runtime_error("launcher: cannot find a free loopback port: " + why);
  }
  close(fd);
  return ntohs(addr.sin_port);
}

struct Worker {
  pid_t pid = -1;
  int err_fd = -1;
  std::string partial;     // stderr bytes after the last newline
  std::string last_error;  // the last line starting with "error: "
  int status = 0;
  int closed_at = -1;  // order in which the workers closed stderr: when they ended
};

void emit_lines(Worker& w, int rank, const std::string& bytes) {
  w.partial += bytes;
  size_t start = 0;
  for (size_t nl; (nl = w.partial.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string line = w.partial.substr(start, nl - start);
    if (line.rfind("error: ", 0) == 0) w.last_error = line.substr(7);
    fmt::print(stderr, "[rank {}] {}\n", rank, line);
  }
  w.partial.erase(0, start);
}

}  // namespace

bool is_dist_worker() {
  const auto set = [](const char* v) { return std::getenv(v) && *std::getenv(v); };
  return set("RANK") || set("SLURM_PROCID");
}

void launch_workers(int nproc, std::vector<std::string> args, bool set_threads) {
  if (nproc < 1) throw std::invalid_argument(fmt::format("--nproc: expected >= 1, got {}", nproc));
  if (set_threads) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    args.push_back(fmt::format("threads={}", std::max(1u, cores / static_cast<unsigned>(nproc))));
  }
  const uint16_t port = free_loopback_port();
  std::vector<Worker> workers(static_cast<size_t>(nproc));
  g_children.assign(static_cast<size_t>(nproc), -1);
  struct sigaction sa {};
  sa.sa_handler = forward_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGUSR1, &sa, nullptr);  // a cluster's warning before a kill: the workers checkpoint (train/preemption.h)

  for (int r = 0; r < nproc; ++r) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) throw std::runtime_error(fmt::format("launcher: pipe: {}", std::strerror(errno)));
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(fmt::format("launcher: fork: {}", std::strerror(errno)));
    if (pid == 0) {
      dup2(pipe_fds[1], 2);
      close(pipe_fds[0]);
      close(pipe_fds[1]);
      if (r != 0) dup2(2, 1);  // only rank 0 prints results; anything else is diagnostics
      setenv("RANK", std::to_string(r).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      std::vector<char*> argv;
      std::string self = "/proc/self/exe";
      argv.push_back(self.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv("/proc/self/exe", argv.data());
      fmt::print(stderr, "error: cannot start worker {}: {}\n", r, std::strerror(errno));
      _exit(127);
    }
    close(pipe_fds[1]);
    workers[static_cast<size_t>(r)].pid = pid;
    workers[static_cast<size_t>(r)].err_fd = pipe_fds[0];
    g_children[static_cast<size_t>(r)] = pid;
  }

  // Relay stderr until every worker has closed it, then reap them.
  int closed = 0;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<int> ranks;
    for (int r = 0; r < nproc; ++r)
      if (workers[static_cast<size_t>(r)].err_fd >= 0) {
        fds.push_back({workers[static_cast<size_t>(r)].err_fd, POLLIN, 0});
        ranks.push_back(r);
      }
    if (fds.empty()) break;
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(fmt::format("launcher: poll: {}", std::strerror(errno)));
    }
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Worker& w = workers[static_cast<size_t>(ranks[i])];
      char buf[4096];
      const ssize_t n = read(w.err_fd, buf, sizeof(buf));
      if (n > 0) {
        emit_lines(w, ranks[i], std::string(buf, static_cast<size_t>(n)));
      } else if (n == 0 || errno != EINTR) {
        if (!w.partial.empty()) emit_lines(w, ranks[i], "\n");
        close(w.err_fd);
        w.err_fd = -1;
        w.closed_at = closed++;
      }
    }
  }
  for (Worker& w : workers)
    while (waitpid(w.pid, &w.status, 0) < 0 && errno == EINTR) {
    }
  g_children.clear();
  // Preempted workers saved a checkpoint together: the launch is resumable, as one process's would be.
  if (std::all_of(workers.begin(), workers.end(), [](const Worker& w) {
        return WIFEXITED(w.status) && WEXITSTATUS(w.status) == train::kPreemptedExitCode;
      }))
    std::exit(train::kPreemptedExitCode);
  // The first worker to end badly is the cause; the others' errors follow from it.
  const Worker* failed = nullptr;
  int failed_rank = -1;
  for (int r = 0; r < nproc; ++r) {
    const Worker& w = workers[static_cast<size_t>(r)];
    if (WIFEXITED(w.status) && WEXITSTATUS(w.status) == 0) continue;
    if (!failed || w.closed_at < failed->closed_at) failed = &w, failed_rank = r;
  }
  if (!failed) return;
  const std::string how = WIFEXITED(failed->status) ? fmt::format("exited with status {}", WEXITSTATUS(failed->status))
                                                    : fmt::format("was killed by signal {}", WTERMSIG(failed->status));
  throw std::runtime_error(
      fmt::format("rank {} {}{}", failed_rank, how, failed->last_error.empty() ? "" : ": " + failed->last_error));
}

}  // namespace longconv::cli
