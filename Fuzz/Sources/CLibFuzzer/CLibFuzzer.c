// Declarations only (include/CLibFuzzer.h): libFuzzer's runtime defines them.
#include "CLibFuzzer.h"
