/*
 * conf: sctpalgd's configuration (sctpalgd.conf(5)) as plain data.
 *
 * A pure module: conf_parse_string() reads INI text (through libinih)
 * into a struct conf and checks it, naming file, line and reason on the
 * first error; it does no I/O and keeps no state, so the daemon, `-t`,
 * the tests and a fuzzer share it.  conf_load_file() is the thin file
 * reader.  A reload parses into a new struct conf and swaps only if that
 * succeeded.
 */
#ifndef SCTPALG_CONF_H
#define SCTPALG_CONF_H

#include <net/if.h>
#include <stdio.h>

#include "engine_config.h"

#define CONF_MAX_INSIDE_IFS	8
#define CONF_PATH_LEN		256

enum conf_backend { CONF_BACKEND_XDP = 0, CONF_BACKEND_PACKET };
/* fast-path = (sctpalgd.conf(5)); fast_map.h */
enum conf_fast_path {
	CONF_FAST_PATH_OFF = 0,
	CONF_FAST_PATH_XDP,	/* to every egress interface */
	CONF_FAST_PATH_AUTO,	/* to those that take redirected frames */
};
/*
 * The AF_XDP modes, in the order of sctpalgd.conf(5): the one list of
 * their names, for the parser, the printer and the ports (xsk_port.h).
 */
#define CONF_XDP_MODES(X)						\
	X(AUTO, "auto")							\
	X(ZEROCOPY, "zerocopy")						\
	X(NATIVE, "native")						\
	X(GENERIC, "generic")

enum conf_xdp_mode {
#define CONF_XDP_MODE_ENUM(n, s) CONF_XDP_##n,
	CONF_XDP_MODES(CONF_XDP_MODE_ENUM)
#undef CONF_XDP_MODE_ENUM
	CONF_XDP__COUNT
};

struct conf {
	/* [daemon] */
	enum conf_backend backend;
	enum conf_xdp_mode xdp_mode;
	unsigned int queues;		/* 0 = every RX queue */
	bool busy_poll;
	enum conf_fast_path fast_path;
	char control_socket[CONF_PATH_LEN];
	char control_group[ENGINE_NAME_LEN];
	char user[ENGINE_NAME_LEN];	/* "" = stay root */
	int log_level;			/* LOG_ERR .. LOG_DEBUG */
	char pidfile[CONF_PATH_LEN];
	char state_file[CONF_PATH_LEN];	/* "" = none */
	unsigned int state_interval;	/* s between saves; 0 = at exit only */
	/* [inside] interfaces (networks live in engine.nets) */
	unsigned int n_inside_ifs;
	char inside_ifs[CONF_MAX_INSIDE_IFS][IF_NAMESIZE];
	/* [uplink NAME] gateway, parallel to engine.uplinks; family 0 =
	 * follow the routing table */
	struct nat_addr gateways[ENGINE_MAX_UPLINKS];
	/* Everything the translation engine needs. */
	struct engine_config engine;
};

struct conf_error {
	char file[CONF_PATH_LEN];
	int line;			/* 0: not tied to one line */
	char message[256];
};

/* One key the parser knows ("uplink" for [uplink NAME]). */
struct conf_key {
	const char *section;
	const char *key;
};

void conf_defaults(struct conf *c);
/* 0, or -EINVAL with *err filled. */
int conf_parse_string(struct conf *out, const char *text,
		      const char *filename, struct conf_error *err);
int conf_load_file(struct conf *out, const char *path,
		   struct conf_error *err);
/* "file:line: message" (or "file: message"), always NUL-terminated. */
const char *conf_error_str(const struct conf_error *err, char *buf,
			   size_t len);
/* Canonical form: every key, defaults included; parses back equal. */
int conf_print(const struct conf *c, FILE *f);
/* The keys the parser knows, for the documentation checks. */
size_t conf_key_count(void);
struct conf_key conf_key_at(size_t i);

#endif
