/* new_cmd.c — `gauntlet new` (placeholder until the starter lands). */
#include <stdio.h>

#include "harness/gt_int.h"

int gt__cmd_new(const char *name, const char *target)
{
    fprintf(stderr, "gauntlet new: %s (%s): not written yet\n", name, target);
    return GT_EXIT_INTERNAL;
}
