/*
 * local_bind.c: an association's inside-address bindings, whose public
 * address is held by reference in the engine's pub_table (engine_impl.h,
 * pub_table.h; README, Performance).
 */
#include <string.h>

#include "engine_impl.h"

/*
 * Out of line, as it was before pub_table_ref grew its recent entries:
 * LTO otherwise inlines it into xlate_commit and engine_process, which
 * reach it only for an address joining an association, and the DATA
 * path's registers were allocated worse for it (bench_engine, README
 * Performance).
 */
__attribute__((noinline)) void local_add(struct engine *e, struct assoc *a,
					 const struct nat_addr *inside,
					 const struct nat_addr *public_,
					 int8_t uplink)
{
	struct assoc_local *l = &a->locals[a->n_locals];

	l->inside = *inside;
	l->uplink = uplink;
	l->pub = pub_table_ref(&e->pubs, public_);
	a->n_locals++;
}

void local_remove(struct engine *e, struct assoc *a, int i)
{
	pub_table_unref(&e->pubs, assoc_local_pub(&a->locals[i]));
	memmove(&a->locals[i], &a->locals[i + 1],
		(size_t)(a->n_locals - i - 1) * sizeof(a->locals[0]));
	a->n_locals--;
}

void local_truncate(struct engine *e, struct assoc *a, int n)
{
	while (a->n_locals > n)
		pub_table_unref(&e->pubs,
				assoc_local_pub(&a->locals[--a->n_locals]));
}
