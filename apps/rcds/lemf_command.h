// `rcds lemf`, `rcds lemf-report`, `rcds lemf-export`: the LEMF receiver and
// its store from the command line (issue 5; library in src/cib/lemf).
#pragma once

#include <CLI/CLI.hpp>

namespace rcds::app {

// Registers the three subcommands. Each runs from its CLI11 callback inside
// app.parse() and ends by throwing CLI::RuntimeError(exit code), which
// CLI11_PARSE turns into main's return value without printing anything, so
// main() needs no branch of its own for them.
void add_lemf_commands(CLI::App& app);

}  // namespace rcds::app
