#include "cshims.h"

int cshim_errno(void) { return errno; }
