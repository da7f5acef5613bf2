/* main.c — the gauntlet command: everything it does is gt_main's. */
#include "harness/gt.h"

int main(int argc, char **argv) { return gt_main(argc, argv); }
