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

/*
 * A table read at random, not zeroed, to be released with free(3): from
 * a 2 MiB boundary and hinted when it spans one or more huge pages, so
 * that all of it can be; from a cache line boundary otherwise.  From
 * malloc's own alignment the part before the first boundary, up to
 * 2 MiB, would stay in 4 KiB pages, where each lookup also misses the
 * TLB.  NULL when out of memory.
 */
void *huge_table_alloc(size_t bytes);

/*
 * A reservation of zeroed memory for a pool taken from its start, backed
 * only where touched, to be released with munmap(p, bytes): from a 2 MiB
 * boundary and hinted when it spans one or more huge pages, as above (the
 * pool's first blocks, the ones taken first, would otherwise be the part
 * left in 4 KiB pages).  NULL when out of memory.
 */
void *huge_map(size_t bytes);

#endif
