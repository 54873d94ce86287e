/*
 * fuzz_conf: libFuzzer target for the configuration parser -- the same
 * entry point the daemon's file reader uses.  Any text must parse or be
 * refused with a line and a message; an accepted config must print in a
 * form that parses back to the same thing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf c, again;
	struct conf_error err;
	char *text = malloc(size + 1), *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (conf_parse_string(&c, text, "fuzz", &err) == 0) {
		f = open_memstream(&out, &len);
		if (!f || conf_print(&c, f))
			abort();
		fclose(f);
		if (conf_parse_string(&again, out, "printed", &err) != 0 ||
		    memcmp(&c, &again, sizeof(c)) != 0)
			abort();	/* canonical form must round-trip */
		free(out);
	} else if (!err.message[0]) {
		abort();		/* a refusal always says why */
	}
	free(text);
	return 0;
}
