/*
 * engine_persist: the association table saved across a daemon restart
 * (sctpalgd.conf(5), state-file).
 *
 * engine_save() serialises every live association into a self-checking
 * byte stream handed to a write callback; engine_restore() reads one back
 * into a freshly created engine.  The engine stays pure: the caller owns
 * the file (src/daemon/state_file.c writes it atomically).
 *
 * Format, version 2 -- every integer big-endian, nothing copied from a C
 * struct, so neither padding nor the compiler decides the layout:
 *
 *   header    "SCTPALG\0" magic (8), u32 version, u32 flags (0),
 *             u64 file length (all bytes, checksum included),
 *             u8 uplink count, u8 forward count, u16 0, u32 record count,
 *             then 32-byte NUL-padded names: uplinks, then forwards
 *   record    u8 state, u8 flags (bit 0: [forward]; bits 1, 2: the
 *             inside host, the peer sent natsupp's Disable Restart),
 *             u8 forward (0xff: none), u8 local count, u8 peer count,
 *             u8 0, u16 0,
 *             u16 inside / public / peer port, u16 0,
 *             u32 inside tag, peer tag, previous inside / peer tag,
 *             u64 age, idle, remaining lifetime (ns, relative to the
 *             moment of saving: monotonic clocks do not survive a boot),
 *             locals:  address inside, address public, u8 uplink (0xff)
 *             peers:   address, u8 uplink (0xff), u64 packets out,
 *                      bytes out, packets in, bytes in
 *   address   u8 family (4 or 6, 0 never), 16 bytes (IPv4 in the first
 *             four, the rest zero)
 *   trailer   u32 CRC32c of every byte before it
 *
 * Uplink and forward indexes in records refer to the header's name lists,
 * not to the configuration: restore maps them by name, so reordering the
 * config file is harmless and a removed uplink or rule is noticed.
 *
 * The format is private to sctpalgd.  A reader rejects any version it does
 * not read (the daemon then starts empty and says why); the version goes
 * up whenever the layout or the meaning of a field changes.  Version 1
 * is version 2 without flag bits 1 and 2 (Disable Restart was not kept):
 * read as such, its associations keep restart enabled, as they had.
 */
#ifndef SCTPALG_ENGINE_PERSIST_H
#define SCTPALG_ENGINE_PERSIST_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define ENGINE_STATE_VERSION	    2u
#define ENGINE_STATE_VERSION_OLDEST 1u /* the oldest it reads */

/* Why a saved association was not restored. */
#define ENGINE_RESTORE_SKIPS(X)						\
	X(EXPIRED, "expired")						\
	X(UPLINK_GONE, "uplink no longer configured")			\
	X(FORWARD_GONE, "forward rule no longer configured")		\
	X(NOT_ALLOWED, "mapping no longer allowed")			\
	X(PORT_RANGE, "public port outside port-range")			\
	X(PORT_IN_USE, "public port taken")				\
	X(LIMITS, "over the configured limits")

enum engine_restore_skip {
#define ENGINE_RESTORE_SKIP_ENUM(n, s) ENGINE_RESTORE_SKIP_##n,
	ENGINE_RESTORE_SKIPS(ENGINE_RESTORE_SKIP_ENUM)
#undef ENGINE_RESTORE_SKIP_ENUM
	ENGINE_RESTORE_SKIP__COUNT
};

struct engine_restore_report {
	uint32_t saved;		/* records in the file */
	uint32_t restored;
	uint32_t skipped;	/* sum of by_reason */
	uint32_t by_reason[ENGINE_RESTORE_SKIP__COUNT];
	char error[128];	/* why the whole file was rejected */
};

/*
 * Write the state of every live association through write(), which
 * returns 0 or a negative errno (passed back as is).  now_ns is the
 * engine's clock, as given to engine_process().  Returns the number of
 * associations saved, or a negative errno.
 */
int engine_save(const struct engine *e,
		int (*write)(const void *buf, size_t len, void *arg),
		void *arg, uint64_t now_ns);

/*
 * Restore a saved state into e, which must hold no association (-EBUSY).
 * The whole buffer is checked (magic, version, length, checksum, every
 * record) before anything changes: a file that fails is rejected with
 * -EINVAL and report->error says why.  Associations the current config
 * no longer allows are skipped and counted by reason.  Restored timers
 * keep their remaining time (at most the current timeout of their
 * state) less downtime_ns, the time that passed between the save and
 * now (the caller measures it on a wall clock; the engine's clock may
 * have restarted): an association whose time ran out meanwhile is
 * skipped as expired, and ages and idle times include the downtime.
 * Public ports are reserved again.  Returns the number restored.
 */
int engine_restore(struct engine *e, const void *buf, size_t len,
		   uint64_t now_ns, uint64_t downtime_ns,
		   struct engine_restore_report *report);

/*
 * "N skipped: reason, reason" for a log line (empty when nothing was
 * skipped); always NUL-terminates, returns buf.
 */
const char *engine_restore_report_str(const struct engine_restore_report *r,
				      char *buf, size_t len);

#endif
