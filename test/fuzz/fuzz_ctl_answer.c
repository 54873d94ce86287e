/*
 * fuzz_ctl_answer: libFuzzer target for sctpalgctl's reading of what
 * comes back on the control socket (ctl_json_parse, ctl_print,
 * ctl_prom_stats, ctl_print_event).  The socket is a path the user
 * names (sctpalgctl -s), so what answers need not be sctpalgd: any
 * bytes must give an error or a printout, never a crash, and json-c's
 * getters must never be handed a type they assert on.
 *
 * The first byte picks the command whose answer the rest is taken for.
 * A document that parses must survive every printer; the monitor line
 * printer parses on its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl_json.h"
#include "ctl_print.h"
#include "ctl_prom.h"
#include "ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct json_object *doc;
	const char *text;
	enum ctl_cmd cmd;
	size_t n, off = 0;

	if (!null)
		null = fopen("/dev/null", "w");
	if (!null || size < 1)
		return 0;
	cmd = (enum ctl_cmd)(data[0] % CTL_CMD__COUNT);
	text = (const char *)data + 1;
	n = size - 1;

	/* On success off is left alone; an error is inside the text. */
	if (ctl_json_parse(text, n, &doc, &off) == 0) {
		if (off != 0)
			abort();
		(void)ctl_print(null, cmd, doc);
		(void)ctl_prom_stats(null, doc);
		json_object_put(doc);
	} else if (off > n) {
		abort();
	}
	(void)ctl_print_event(null, text, n, data[0] & 1);
	return 0;
}
