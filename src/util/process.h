// Runs an external program without a shell: arguments are passed as they are, never parsed.
#pragma once

#include <string>
#include <vector>

namespace longconv {

// Runs argv[0] (looked up on PATH) with stdin from /dev/null and stdout/stderr discarded, and waits for it.
// Throws std::runtime_error when the program cannot be started ("<program>: not found on PATH" when it is not
// installed; `install_hint` is appended, e.g. "install the Debian package espeak-ng") or when it exits non-zero or
// by a signal (the message holds the command line).
void run_program(const std::vector<std::string>& argv, const std::string& install_hint);

}  // namespace longconv
