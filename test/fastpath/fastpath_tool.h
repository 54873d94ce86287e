/*
 * fastpath_tool.h: what the fast path's test tools (fast_diff.c,
 * fast_bench.c) share: their random numbers and libbpf's messages.
 */
#ifndef SCTPALG_FASTPATH_TOOL_H
#define SCTPALG_FASTPATH_TOOL_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/libbpf.h>

/* xorshift64: the same packets again from the same seed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static inline uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* For libbpf_set_print(): its warnings, not the loader's chatter. */
static inline int libbpf_quiet(enum libbpf_print_level l, const char *f,
			       va_list a)
{
	return l == LIBBPF_WARN ? vfprintf(stderr, f, a) : 0;
}

#endif
