/* Child processes for the crash and shard tests: gst-launch-1.0 started with
 * posix_spawn (no work between fork and exec in a process that runs
 * GStreamer threads), killed, and waited for with a deadline so that a test
 * never hangs. */
#pragma once

#include "rnc-gst-test-util.h"
#include "rnc-test-util.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace rnc_test {

/* Where gst-launch-1.0 is, or "" when it is not installed. */
inline std::string
gst_launch_path ()
{
  gchar *p = g_find_program_in_path ("gst-launch-1.0");
  std::string s = p ? p : "";
  g_free (p);
  return s;
}

/* A launch description as arguments (shell quoting rules). */
inline std::vector<std::string>
split_args (const std::string &desc)
{
  gchar **argv = nullptr;
  gint argc = 0;
  std::vector<std::string> v;
  if (g_shell_parse_argv (desc.c_str (), &argc, &argv, nullptr))
    v.assign (argv, argv + argc);
  g_strfreev (argv);
  return v;
}

inline std::string
join_args (const std::vector<std::string> &args)
{
  std::string s;
  for (const std::string &a : args)
    s += (s.empty () ? "" : " ") + a;
  return s;
}

struct Child
{
  pid_t pid = -1;
  bool reaped = false;
  int status = 0;
};

/* Starts "@program -q @args" with stdout and stderr to @log (or
 * /dev/null). The child reads the test's GStreamer registry and does not
 * rescan it. */
inline Child
spawn (const std::string &program, const std::vector<std::string> &args,
    const std::string &log = "")
{
  std::vector<std::string> all = { program, "-q" };
  all.insert (all.end (), args.begin (), args.end ());
  std::vector<char *> argv;
  for (std::string &a : all)
    argv.push_back (&a[0]);
  argv.push_back (nullptr);

  /* a sanitized build: gst-launch-1.0 is not sanitized, so it gets the
   * sanitizer runtimes preloaded to load the plugin (its own leaks are not
   * checked), as the script tests do (tests/pipelines/meson.build) */
  const char *preload = g_getenv ("RNC_CHILD_PRELOAD");
  gboolean sanitized = preload && preload[0];
  std::vector<std::string> env_s;
  for (char **e = environ; *e; e++)
    if (strncmp (*e, "GST_REGISTRY_UPDATE=", 20) != 0
        && !(sanitized && (strncmp (*e, "LD_PRELOAD=", 11) == 0
                || strncmp (*e, "ASAN_OPTIONS=", 13) == 0)))
      env_s.push_back (*e);
  env_s.push_back ("GST_REGISTRY_UPDATE=no");
  if (sanitized) {
    env_s.push_back (std::string ("LD_PRELOAD=") + preload);
    env_s.push_back ("ASAN_OPTIONS=detect_leaks=0:abort_on_error=1");
  }
  std::vector<char *> envp;
  for (std::string &e : env_s)
    envp.push_back (&e[0]);
  envp.push_back (nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  const char *out = log.empty () ? "/dev/null" : log.c_str ();
  posix_spawn_file_actions_addopen (&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC,
      0644);
  posix_spawn_file_actions_adddup2 (&fa, 1, 2);
  Child c;
  if (posix_spawn (&c.pid, program.c_str (), &fa, nullptr, argv.data (),
          envp.data ()) != 0)
    c.pid = -1;
  posix_spawn_file_actions_destroy (&fa);
  return c;
}

/* Whether @c has ended (reaps it). */
inline bool
child_done (Child &c)
{
  if (c.reaped)
    return true;
  if (waitpid (c.pid, &c.status, WNOHANG) == c.pid)
    c.reaped = true;
  return c.reaped;
}

/* Sends @sig and reaps the child; FALSE when it had already ended. */
inline bool
kill_child (Child &c, int sig)
{
  if (child_done (c))
    return false;
  kill (c.pid, sig);
  while (waitpid (c.pid, &c.status, 0) < 0 && errno == EINTR)
    ;
  c.reaped = true;
  return true;
}

/* Waits up to @timeout_s seconds; kills it with SIGKILL past that. Returns
 * its exit status, 128 + signal, or -1 on timeout. */
inline int
wait_child (Child &c, double timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * 1e6);
  while (!child_done (c)) {
    if (g_get_monotonic_time () > end) {
      kill_child (c, SIGKILL);
      return -1;
    }
    g_usleep (5000);
  }
  if (WIFEXITED (c.status))
    return WEXITSTATUS (c.status);
  return 128 + WTERMSIG (c.status);
}

/* Runs "@program -q @args" to its end (at most @timeout_s seconds). */
inline int
run_child (const std::string &program, const std::vector<std::string> &args,
    double timeout_s, const std::string &log = "")
{
  Child c = spawn (program, args, log);
  if (c.pid <= 0)
    return -2;
  return wait_child (c, timeout_s);
}

} // namespace rnc_test
