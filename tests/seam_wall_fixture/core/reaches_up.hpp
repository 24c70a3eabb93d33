// core/ reaching up into runs/: refused too.
#include "runs/training_run.hpp"
