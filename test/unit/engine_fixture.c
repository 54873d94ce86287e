/*
 * engine_fixture.c: see engine_fixture.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"
#include "engine_impl.h"

static void addr(struct nat_addr *a, const char *s)
{
	if (nat_addr_parse(a, s))
		abort();
}

static void prefix(struct nat_prefix *p, const char *s)
{
	if (nat_prefix_parse(p, s))
		abort();
}

void fx_config(struct engine_config *c, enum multihome_mode mh)
{
	engine_config_defaults(c);
	c->max_assocs = 256;
	c->multihome = mh;
	c->n_uplinks = 2;
	strcpy(c->uplinks[0].name, "wan1");
	strcpy(c->uplinks[0].ifname, "wan1");
	c->uplinks[0].n_public = 1;
	addr(&c->uplinks[0].public_addrs[0], "198.51.100.1");
	strcpy(c->uplinks[1].name, "wan2");
	strcpy(c->uplinks[1].ifname, "wan2");
	c->uplinks[1].n_public = 1;
	addr(&c->uplinks[1].public_addrs[0], "203.0.113.1");
	c->n_nets = 3;
	prefix(&c->nets[0].prefix, "192.168.1.0/24");
	c->nets[0].uplink = 0;
	prefix(&c->nets[1].prefix, "10.9.0.0/16");
	c->nets[1].uplink = 1;
	c->nets[1].one_to_one = true;
	prefix(&c->nets[1].public_prefix, "198.18.0.0/16");
	prefix(&c->nets[2].prefix, "2001:db8:aa::/64");
	c->nets[2].uplink = -1;
	c->n_forwards = 1;
	strcpy(c->forwards[0].name, "diameter");
	c->forwards[0].public_port = 3868;
	c->forwards[0].inside_port = 3868;
	c->forwards[0].n_public = 1;
	addr(&c->forwards[0].public_addrs[0], "198.51.100.1");
	addr(&c->forwards[0].inside_addr, "192.168.1.20");
}

struct engine *fx_engine(enum multihome_mode mh)
{
	struct engine_config c;
	struct engine *e;

	fx_config(&c, mh);
	if (engine_create(&c, 42, &e)) {
		fprintf(stderr, "fixture: engine_create failed\n");
		abort();
	}
	return e;
}

struct engine_verdict fx_run(struct engine *e, struct pb *p,
			     enum engine_dir dir, uint64_t now)
{
	struct engine_pkt pkt = { .data = p->buf, .len = p->len,
				  .cap = PB_MAX };
	struct engine_verdict v;

	engine_process(e, &pkt, dir, now, &v);
	p->len = pkt.len;
	return v;
}

static void ip_for(struct pb *p, const char *src, const char *dst)
{
	if (strchr(src, ':'))
		pb_ip6(p, src, dst);
	else
		pb_ip4(p, src, dst);
}

void fx_data(struct pb *p, const char *src, const char *dst, uint16_t sport,
	     uint16_t dport, uint32_t vtag, uint32_t ppid)
{
	ip_for(p, src, dst);
	pb_sctp(p, sport, dport, vtag);
	pb_data(p, 7, ppid, "hello, peer", 11);
	pb_finish(p);
}

void fx_chunk(struct pb *p, const char *src, const char *dst,
	      uint16_t sport, uint16_t dport, uint32_t vtag, uint8_t type,
	      uint8_t flags)
{
	ip_for(p, src, dst);
	pb_sctp(p, sport, dport, vtag);
	pb_simple(p, type, flags);
	pb_finish(p);
}

void fx_init(struct pb *p, const char *src, const char *dst, uint16_t sport,
	     uint16_t dport, uint32_t itag)
{
	ip_for(p, src, dst);
	pb_sctp(p, sport, dport, 0);
	pb_init(p, 1, itag);
	pb_finish(p);
}

void fx_init_ack(struct pb *p, const char *src, const char *dst,
		 uint16_t sport, uint16_t dport, uint32_t vtag, uint32_t itag,
		 const char *const *peer_addrs)
{
	ip_for(p, src, dst);
	pb_sctp(p, sport, dport, vtag);
	pb_init(p, 2, itag);
	for (; peer_addrs && *peer_addrs; peer_addrs++)
		pb_param_addr(p, *peer_addrs);
	pb_param(p, 7, "cookie-cookie-cookie", 20);
	pb_finish(p);
}

bool fx_bindings_ok(const struct engine *e, char *why, size_t n)
{
	const struct pub_table *pt = &e->pubs;
	uint32_t *held = calloc(pt->fresh + 1u, sizeof(*held));
	uint32_t live = 0;
	bool ok = true;

	if (!held)
		abort();
	for (const struct assoc *a = assoc_table_next(e->table, NULL); a && ok;
	     a = assoc_table_next(e->table, a)) {
		for (int i = 0; i < a->n_locals; i++) {
			uint32_t k = a->locals[i].pub;

			if (k >= pt->fresh || !pub_table_refs(pt, k)) {
				snprintf(why, n,
					 "association #%u binding %d "
					 "names entry %u, not in use",
					 assoc_id(e->table, a), i, k);
				ok = false;
				break;
			}
			held[k]++;
		}
	}
	for (uint32_t k = 0; ok && k < pt->fresh; k++) {
		if (held[k] != pub_table_refs(pt, k)) {
			snprintf(why, n,
				 "entry %u counts %u references, "
				 "%u bindings hold it",
				 k, pub_table_refs(pt, k), held[k]);
			ok = false;
		}
		live += held[k] > 0;
	}
	if (ok && live != pub_table_live(pt)) {
		snprintf(why, n, "%u entries held, the table says %u", live,
			 pub_table_live(pt));
		ok = false;
	}
	free(held);
	return ok;
}

void fx_view_at(struct engine *e, uint64_t now)
{
	e->last_now = now;
}
