/*
 * conf_keys: the table of every key sctpalgd.conf(5) knows, private to
 * src/conf/.
 *
 * Each key is described once: its section, whether it may be repeated, the
 * field of struct conf it sets and how.  The table drives parsing
 * (conf_keys.c), the range errors, the canonical printing (conf_print.c) and
 * the key list the man-page test checks (conf_key_at()).  A plain key needs one
 * line of the table; composite keys (lists, prefixes, addresses with ports)
 * keep a parse and a print function of their own.  Keys print in table order,
 * so each section's keys stand together, in the order of sctpalgd.conf(5).
 */
#ifndef SCTPALG_CONF_KEYS_H
#define SCTPALG_CONF_KEYS_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"

/* The parser's state: conf.c drives it, conf_keys.c fills the config. */
struct parser {
	struct conf *c;
	struct conf_error *err;
	const char *text;
	size_t pos;
	int line;
	int section_line;	/* line of the last [section] header */
	bool failed;
	/* "section/key" of every non-repeatable key given so far: a section
	 * may be reopened, but a key is still given once per file. */
	char seen[160][64];
	unsigned int n_seen;
	/* Inside networks naming an uplink, resolved at the end. */
	struct {
		char uplink[ENGINE_NAME_LEN];
		int line;
	} net_ref[ENGINE_MAX_INSIDE_NETS];
	int uplink_line[ENGINE_MAX_UPLINKS];
	int forward_line[ENGINE_MAX_FORWARDS];
};

/* Record the first error (at line; 0: the whole file); returns 0. */
int conf_fail(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Letters, digits and . _ - @ + / : only (what prints back the same). */
bool conf_valid_word(const char *s);

enum conf_kind {
	CONF_K_UINT,	/* a number in [min, max] */
	CONF_K_SECONDS,	/* the same, an optional "s" after it */
	CONF_K_LIMIT,	/* a number 0..4194304, then [min, max] */
	CONF_K_BOOL,	/* yes / no (true / false, on / off, 1 / 0) */
	CONF_K_PATH,	/* an absolute path */
	CONF_K_WORD,	/* a name (user, group) */
	CONF_K_CHOICE,	/* one of names[]; the field holds its index */
	CONF_K_CUSTOM,	/* parse() and print() */
};

#define CONF_F_REPEAT	1u	/* may be given more than once */
#define CONF_F_NONE	2u	/* PATH: "none" leaves it empty */
#define CONF_F_OPTIONAL	4u	/* WORD: printed only when set */

#define CONF_LIMIT_MAX	4194304ul

struct conf_keydef {
	const char *section;	/* "uplink" for [uplink NAME] */
	const char *key;
	enum conf_kind kind;
	unsigned int flags;
	size_t off, size;	/* the field in struct conf */
	unsigned long min, max;
	/* How an error words [min, max]; NULL: "min..max". */
	const char *range;
	const char *const *names;	/* CHOICE; NULL entries are skipped */
	unsigned int n_names;
	/* CUSTOM: idx is the [uplink] / [forward] instance, else -1.
	 * parse returns 1, or 0 after fail(); print may be NULL when a
	 * sibling key prints for both (ppid-allow and ppid-deny). */
	int (*parse)(struct parser *p, int idx, const char *k,
		     const char *v);
	void (*print)(const struct conf *c, int idx, FILE *f);
};

extern const struct conf_keydef conf_keydefs[];
extern const size_t conf_n_keydefs;

const struct conf_keydef *conf_find_key(const char *section,
					const char *key);
/* A plain key's value into its field: 1, or 0 after conf_fail(). */
int conf_parse_value(struct parser *p, const struct conf_keydef *d,
		     const char *v);

/* Printers of the composite keys (conf_print.c). */
void conf_print_queues(const struct conf *c, int idx, FILE *f);
void conf_print_inside_ifs(const struct conf *c, int idx, FILE *f);
void conf_print_networks(const struct conf *c, int idx, FILE *f);
void conf_print_uplink_if(const struct conf *c, int idx, FILE *f);
void conf_print_uplink_addrs(const struct conf *c, int idx, FILE *f);
void conf_print_gateway(const struct conf *c, int idx, FILE *f);
void conf_print_port_range(const struct conf *c, int idx, FILE *f);
void conf_print_ppid_rules(const struct conf *c, int idx, FILE *f);
void conf_print_fw_public(const struct conf *c, int idx, FILE *f);
void conf_print_fw_inside(const struct conf *c, int idx, FILE *f);

#endif
