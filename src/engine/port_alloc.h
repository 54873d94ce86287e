/*
 * port_alloc: public port bindings.
 *
 * A public transport address (public address, port) belongs to one inside
 * endpoint (inside address, inside port) at a time and is reference-counted by
 * the associations using it.  An association's public port must be usable on
 * every one of its public addresses at once (port consistency, README,
 * Configuration, case 1): that is what lets a multihomed peer see one port on
 * every path.  Several associations of one inside endpoint share its binding,
 * as an SCTP endpoint uses one port for all of its associations; whether two of
 * them would show the same public transport address to the same peer transport
 * address is checked by the caller (it owns the association table) through the
 * `conflict` callback of port_alloc_pick().
 */
#ifndef SCTPALG_PORT_ALLOC_H
#define SCTPALG_PORT_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "nat_addr.h"

struct port_alloc;

int port_alloc_create(uint32_t capacity, uint64_t seed,
		      struct port_alloc **out);
void port_alloc_destroy(struct port_alloc *pa);

/* True if (pub, port) is unbound or bound to (owner, owner_port). */
bool port_alloc_usable(const struct port_alloc *pa,
		       const struct nat_addr *pub, uint16_t port,
		       const struct nat_addr *owner, uint16_t owner_port);
/*
 * Warming (src/engine/batch_warm.c): port_alloc_warm starts loading the
 * bucket of (pub, port) and returns it (port_alloc_bucket);
 * port_alloc_warm_step, called once it has had time to arrive, starts
 * loading the binding it names.  Reads only.
 */
uint32_t port_alloc_warm(const struct port_alloc *pa,
			 const struct nat_addr *pub, uint16_t port);
void port_alloc_warm_step(const struct port_alloc *pa, uint32_t bucket);

/* Take a reference: 0, -EADDRINUSE (another owner), -ENOSPC (pool). */
int port_alloc_ref(struct port_alloc *pa, const struct nat_addr *pub,
		   uint16_t port, const struct nat_addr *owner,
		   uint16_t owner_port);
/*
 * The hash bucket of (pub, port), which a lookup starts from: the same
 * for the life of pa, so a caller looking one binding up several times
 * (port_alloc_pick, then port_alloc_ref_at) hashes it once.
 */
uint32_t port_alloc_bucket(const struct port_alloc *pa,
			   const struct nat_addr *pub, uint16_t port);
/* port_alloc_ref, bucket being port_alloc_bucket(pa, pub, port). */
int port_alloc_ref_at(struct port_alloc *pa, uint32_t bucket,
		      const struct nat_addr *pub, uint16_t port,
		      const struct nat_addr *owner, uint16_t owner_port);
void port_alloc_unref(struct port_alloc *pa, const struct nat_addr *pub,
		      uint16_t port);
uint32_t port_alloc_in_use(const struct port_alloc *pa);
/* Would port_alloc_ref succeed? (usable, and room for a new binding) */
bool port_alloc_can_ref(const struct port_alloc *pa,
			const struct nat_addr *pub, uint16_t port,
			const struct nat_addr *owner, uint16_t owner_port);

/* A bucket not known yet (port_alloc_pick). */
#define PORT_ALLOC_NO_BUCKET UINT32_MAX

/*
 * Choose a port in [min, max] usable on all n public addresses *pubs[i]
 * for the owner and free of conflict(port, arg).  `preferred` (port
 * preservation) is tried first when non-zero and in range, then a
 * pseudo-random start from *rng and a linear probe over the whole range.
 * -1 if none.  The addresses are read, not copied: they must stay put
 * until it returns.  buckets, if not NULL, holds on entry for each
 * pubs[i] port_alloc_bucket(pa, pubs[i], preferred) where the caller
 * has it already (the batch's warming worked it out), else
 * PORT_ALLOC_NO_BUCKET; on return the bucket of (pubs[i], port) of the
 * port returned, for port_alloc_ref_at.  The first probe starts the
 * bookkeeping (bitmaps of bound ports) that lets it and the next ones
 * skip bound ports without looking each up.
 */
int port_alloc_pick(struct port_alloc *pa, const struct nat_addr *const *pubs,
		    unsigned int n, const struct nat_addr *owner,
		    uint16_t owner_port, uint16_t min, uint16_t max,
		    uint16_t preferred, uint64_t *rng,
		    bool (*conflict)(uint16_t port, void *arg), void *arg,
		    uint32_t *buckets);

#endif
