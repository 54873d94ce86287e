/*
 * xdp_prog: load the embedded steering program and attach it to one
 * interface with libxdp, read its counters, detach it.
 *
 * The skeleton is only opened here, never loaded: libxdp loads the object
 * itself when it attaches, as an extension of its dispatcher (or as a
 * plain XDP program when it falls back to a legacy attach), which is the
 * pattern of xdp-tools' xdp-forward.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "fast_kv.h"
#include "xdp_fast.h"
#include "xdp_prog.h"
/* Generated code: bpftool casts the embedded object's const away. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xdp_steer.skel.h"
#pragma GCC diagnostic pop

#define STEER_PROG_NAME	"xdp_sctp_steer"

struct xdp_prog {
	struct xdp_steer_bpf *skel;
	struct xdp_program *prog;
	struct xdp_multiprog *mp;	/* what the attach left, for detach */
	int ifindex;
	enum xdp_attach_mode mode;
	bool legacy;
	unsigned int stale_removed;
	int n_cpus;
	bool frags;
};

static const char *const counter_names[XDP_STEER__COUNT] = {
#define XDP_STEER_COUNTER_NAME(name, str) [XDP_STEER_##name] = str,
	XDP_STEER_COUNTERS(XDP_STEER_COUNTER_NAME)
#undef XDP_STEER_COUNTER_NAME
};

const char *xdp_prog_counter_name(enum xdp_steer_counter c)
{
	if ((unsigned int)c >= XDP_STEER__COUNT)
		return "unknown";
	return counter_names[c];
}

static bool is_steer_prog(const struct xdp_program *prog)
{
	const char *name = xdp_program__name(prog);

	return name && !strcmp(name, STEER_PROG_NAME);
}

/*
 * A daemon that died without detaching leaves its program behind (libxdp
 * pins dispatcher links in bpffs).  Its XSKMAP is empty, so it would pass
 * everything on and only cost time; remove it so counters and
 * `xdp-loader status` show one instance.  Returns how many were removed.
 */
static unsigned int detach_stale(int ifindex)
{
	struct xdp_program *prog = NULL;
	struct xdp_multiprog *mp;
	enum xdp_attach_mode mode;
	unsigned int removed = 0;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp) || !mp)
		return 0;
	mode = xdp_multiprog__attach_mode(mp);
	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		if (prog && is_steer_prog(prog) && !xdp_multiprog__detach(mp))
			removed++;
	} else {
		while ((prog = xdp_multiprog__next_prog(prog, mp)))
			if (is_steer_prog(prog) &&
			    !xdp_program__detach(prog, ifindex, mode, 0))
				removed++;
	}
	xdp_multiprog__close(mp);
	return removed;
}

int xdp_prog_attach(int ifindex, bool generic, unsigned int n_queues,
		    uint32_t max_frame, const struct xdp_prog_fast *fast,
		    struct xdp_prog **out)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts,
			    .prog_name = STEER_PROG_NAME);
	struct xdp_prog *p;
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ifindex = ifindex;
	p->mode = generic ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	p->n_cpus = libbpf_num_possible_cpus();
	if (p->n_cpus <= 0) {
		err = p->n_cpus ? p->n_cpus : -EINVAL;
		goto err_free;
	}

	p->skel = xdp_steer_bpf__open();
	if (!p->skel) {
		err = -errno;
		goto err_free;
	}
	if (n_queues) {
		err = bpf_map__set_max_entries(p->skel->maps.xsks_map,
					       n_queues);
		if (err)
			goto err_skel;
	}

	p->skel->rodata->max_frame = max_frame;
	if (fast) {
		fast_kv_xpow((uint32_t *)(uintptr_t)p->skel->rodata->fast_xpow,
			     XDP_FAST_MAX_PKT + 1);
		fast_kv_crc_tables((uint32_t(*)[256])(uintptr_t)
					   p->skel->rodata->fast_crc_tab);
		p->skel->rodata->fast_enabled = 1;
		p->skel->rodata->fast_stats_slots = fast->stats_slots;
		p->skel->rodata->fast_dir = fast->inbound ? XDP_FAST_INBOUND :
							   XDP_FAST_OUTBOUND;
		err = bpf_map__reuse_fd(p->skel->maps.fast_maps4,
					fast->entries.outer4);
		if (!err)
			err = bpf_map__reuse_fd(p->skel->maps.fast_maps6,
						fast->entries.outer6);
		if (!err)
			err = bpf_map__reuse_fd(p->skel->maps.fast_stats,
						fast->stats_fd);
		if (err)
			goto err_skel;
	}

	opts.obj = p->skel->obj;
	p->prog = xdp_program__create(&opts);
	err = libxdp_get_error(p->prog);
	if (err) {
		p->prog = NULL;
		goto err_skel;
	}
	/*
	 * SEC("xdp.frags") already asks for BPF_F_XDP_HAS_FRAGS; saying it
	 * to libxdp too makes it load its dispatcher with the flag (libxdp
	 * 1.3), without which veth refuses the program at a jumbo MTU.
	 */
	p->frags = !xdp_program__set_xdp_frags_support(p->prog, true);

	p->stale_removed = detach_stale(ifindex);
	err = xdp_program__attach(p->prog, ifindex, p->mode, 0);
	if (err)
		goto err_prog;
	/*
	 * Looked up now, while sctpalgd is still root: detaching through
	 * this handle at exit needs only CAP_NET_ADMIN (an IFLA_XDP
	 * replace of the fd it holds), where libxdp's own lookup by
	 * ifindex needs CAP_SYS_ADMIN (BPF_PROG_GET_FD_BY_ID); see
	 * sctpalgd(8), CAPABILITIES.
	 */
	p->mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(p->mp))
		p->mp = NULL;
	p->legacy = p->mp && xdp_multiprog__is_legacy(p->mp);

	*out = p;
	return 0;

err_prog:
	xdp_program__close(p->prog);
err_skel:
	xdp_steer_bpf__destroy(p->skel);
err_free:
	free(p);
	return err < 0 ? err : -EINVAL;
}

void xdp_prog_detach(struct xdp_prog *p)
{
	if (!p)
		return;
	/*
	 * Alone on the interface (legacy attach, or a dispatcher holding
	 * only this program): remove what the attach installed, by the
	 * handle taken then.  It fails if someone changed the interface's
	 * XDP set since; libxdp's path below then rebuilds the dispatcher
	 * without us, which takes the privileges of a root sctpalgd.
	 */
	if (!p->mp || (!p->legacy && xdp_multiprog__program_count(p->mp) !=
				     1) || xdp_multiprog__detach(p->mp))
		xdp_program__detach(p->prog, p->ifindex, p->mode, 0);
	if (p->mp)
		xdp_multiprog__close(p->mp);
	/* The object belongs to the skeleton: close the program first. */
	xdp_program__close(p->prog);
	xdp_steer_bpf__destroy(p->skel);
	free(p);
}

bool xdp_prog_is_generic(const struct xdp_prog *p)
{
	return p->mode == XDP_MODE_SKB;
}

bool xdp_prog_is_legacy(const struct xdp_prog *p)
{
	return p->legacy;
}

unsigned int xdp_prog_stale_removed(const struct xdp_prog *p)
{
	return p->stale_removed;
}

int xdp_prog_xsks_map_fd(const struct xdp_prog *p)
{
	return bpf_map__fd(p->skel->maps.xsks_map);
}

int xdp_prog_read_counters(const struct xdp_prog *p,
			   struct xdp_steer_count out[XDP_STEER__COUNT])
{
	struct xdp_steer_count *percpu;
	int fd = bpf_map__fd(p->skel->maps.steer_stats);
	__u32 key;
	int cpu, err = 0;

	percpu = calloc(p->n_cpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	for (key = 0; key < XDP_STEER__COUNT; key++) {
		out[key].packets = 0;
		out[key].bytes = 0;
		if (bpf_map_lookup_elem(fd, &key, percpu)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < p->n_cpus; cpu++) {
			out[key].packets += percpu[cpu].packets;
			out[key].bytes += percpu[cpu].bytes;
		}
	}
	free(percpu);
	return err;
}
