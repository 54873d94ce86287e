/*
 * assoc_hosts.c: how many associations each host has in the table
 * (assoc_host_count, the per-host limits), a hash of the hosts in use
 * only.
 */
#include <string.h>

#include "assoc_table_impl.h"

static uint32_t *host_slot(const struct assoc_table *t,
			   const struct nat_addr *host)
{
	uint32_t b = nat_addr_hash(host, t->seed) & t->host_mask;
	uint32_t *pp = &t->host_buckets[b];

	while (*pp != HOST_END &&
	       !nat_addr_eq(&t->hosts[HOST_LINK(*pp)].addr, host))
		pp = &t->hosts[HOST_LINK(*pp)].next;
	return pp;
}

uint32_t assoc_host_count(const struct assoc_table *t,
			  const struct nat_addr *host)
{
	uint32_t l = *host_slot(t, host);

	return l == HOST_END ? 0 : t->hosts[HOST_LINK(l)].count;
}

uint32_t assoc_host_add(struct assoc_table *t, const struct nat_addr *host)
{
	uint32_t *pp = host_slot(t, host), i;

	if (*pp == HOST_END) {
		i = t->host_free;
		if (i != ASSOC_NONE)
			t->host_free = t->hosts[i].next;
		else if (t->host_fresh < t->capacity)
			i = t->host_fresh++;
		else
			return 0;
		t->hosts[i].addr = *host;
		t->hosts[i].count = 0;
		t->hosts[i].next = HOST_END;
		*pp = HOST_LINK(i);
	}
	return ++t->hosts[HOST_LINK(*pp)].count;
}

void assoc_host_del(struct assoc_table *t, const struct nat_addr *host)
{
	uint32_t *pp = host_slot(t, host), i;

	if (*pp == HOST_END)
		return;
	i = HOST_LINK(*pp);
	if (--t->hosts[i].count == 0) {
		*pp = t->hosts[i].next;
		t->hosts[i].next = t->host_free;
		t->host_free = i;
	}
}
