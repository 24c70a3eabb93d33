#include "cli/app.hpp"

int main(int argc, char** argv) { return lcperf::cli::run_main(argc, argv); }
