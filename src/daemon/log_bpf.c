/*
 * log_bpf: libbpf's and libxdp's messages go into sctpalgd's log, one level
 * quieter than the libraries rate them.  libxdp in particular warns about
 * things that are expected on the way down its fallback ladder (no native
 * XDP on veth in older kernels, no multi-program dispatcher, ...); those
 * should not look like sctpalgd's own warnings.
 */
#include <stdarg.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static int log_bpf_quieter(int lib_warn, int lib_info, int level)
{
	if (level == lib_warn)
		return LOG_NOTICE;
	if (level == lib_info)
		return LOG_DEBUG;
	return -1;
}

static int log_libbpf_print(enum libbpf_print_level level, const char *fmt,
			    va_list ap)
{
	int pri = log_bpf_quieter(LIBBPF_WARN, LIBBPF_INFO, level);

	if (pri >= 0)
		vlog(pri, fmt, ap);
	return 0;
}

static int log_libxdp_print(enum libxdp_print_level level, const char *fmt,
			    va_list ap)
{
	int pri = log_bpf_quieter(LIBXDP_WARN, LIBXDP_INFO, level);

	if (pri >= 0)
		vlog(pri, fmt, ap);
	return 0;
}

void log_route_bpf_libs(void)
{
	libbpf_set_print(log_libbpf_print);
	libxdp_set_print(log_libxdp_print);
}
