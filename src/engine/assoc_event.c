/*
 * assoc_event.c: association events for the daemon's log (sctpalgd(8),
 * DIAGNOSTICS, Associations).
 *
 * The engine stays pure and never logs; it hands a read-only view of the
 * association to one optional callback when the association comes up,
 * ends, or has paths moved between uplinks.  Up and down are rare next to
 * packets (once per association), so filling the view on the stack here
 * costs nothing that matters, and nothing is allocated.
 */
#include <string.h>

#include "engine_impl.h"

static const char *const reason_names[ENGINE_EVR__COUNT] = {
#define ENGINE_EVENT_REASON_NAME(n, s) [ENGINE_EVR_##n] = s,
	ENGINE_EVENT_REASONS(ENGINE_EVENT_REASON_NAME)
#undef ENGINE_EVENT_REASON_NAME
};

const char *engine_event_reason_name(enum engine_event_reason r)
{
	return (unsigned int)r < ENGINE_EVR__COUNT ? reason_names[r] : "?";
}

void engine_set_event_cb(struct engine *e, engine_event_fn *fn, void *arg)
{
	e->event_fn = fn;
	e->event_arg = arg;
}

static void emit(const struct engine *e, const struct assoc *a,
		 struct engine_event *ev, struct engine_assoc_view *view)
{
	engine_fill_view(e, a, view);
	ev->assoc = view;
	ev->age_ns = ev->now_ns > a->created ? ev->now_ns - a->created : 0;
	for (int i = 0; i < a->n_peers; i++) {
		ev->pkts_out += a->peers[i].pkts_out;
		ev->pkts_in += a->peers[i].pkts_in;
		ev->bytes_out += a->peers[i].bytes_out;
		ev->bytes_in += a->peers[i].bytes_in;
	}
}

/* engine_event_up (engine_impl.h) with a callback to call. */
void engine_event_emit_up(struct engine *e, const struct assoc *a,
			  enum engine_event_reason why, uint64_t now)
{
	struct engine_assoc_view view;
	struct engine_event ev = {
		.type = ENGINE_EV_UP,
		.reason = (uint8_t)why,
		.uplink = -1,
		.now_ns = now,
	};

	emit(e, a, &ev, &view);
	e->event_fn(e->event_arg, &ev);
}

void engine_event_down(struct engine *e, const struct assoc *a,
		       enum engine_event_reason why, uint64_t now)
{
	struct engine_assoc_view view;
	struct engine_event ev = {
		.type = ENGINE_EV_DOWN,
		.reason = (uint8_t)why,
		.uplink = -1,
		.was_up = a->flags & ASSOC_F_UP,
		.now_ns = now,
	};

	if (!e->event_fn)
		return;
	emit(e, a, &ev, &view);
	/* A restart ends the association the old tags named: show those
	 * (only the side that actually changed has a previous tag). */
	if (why == ENGINE_EVR_RESTART) {
		uint32_t pi = assoc_prev_tag_inside(e->table, a);
		uint32_t pp = assoc_prev_tag_peer(e->table, a);

		if (pi)
			view.tag_inside = pi;
		if (pp)
			view.tag_peer = pp;
	}
	e->event_fn(e->event_arg, &ev);
}

void engine_event_moved(struct engine *e, const struct assoc *a,
			uint16_t moved_paths, unsigned int uplink, bool up)
{
	struct engine_assoc_view view;
	struct engine_event ev = {
		.type = ENGINE_EV_MOVED,
		.reason = up ? ENGINE_EVR_UPLINK_UP : ENGINE_EVR_UPLINK_DOWN,
		.was_up = a->flags & ASSOC_F_UP,
		.uplink = (int8_t)uplink,
		.moved_paths = moved_paths,
		.now_ns = e->last_now,
	};

	if (!e->event_fn)
		return;
	emit(e, a, &ev, &view);
	e->event_fn(e->event_arg, &ev);
}
