/*
 * huge_hint: ask for transparent huge pages on a large table.
 *
 * The engine's tables are big (hundreds of MB at a million associations)
 * and read at random: with 4 KiB pages nearly every lookup also misses
 * the TLB, and a page walk costs most under a hypervisor.  madvise(2)
 * MADV_HUGEPAGE lets the kernel back them with 2 MiB pages where THP is
 * set to "madvise" (Debian's default).  A hint only: nothing depends on
 * it being honoured.
 */
#ifndef SCTPALG_HUGE_HINT_H
#define SCTPALG_HUGE_HINT_H

#include <stddef.h>

/* Hints the 2 MiB-aligned part of [p, p + bytes). */
void huge_hint(void *p, size_t bytes);

#endif
