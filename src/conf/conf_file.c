/*
 * conf_file.c: read sctpalgd.conf from disk into conf_parse_string().
 * The canonical printing is in conf_print.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define CONF_MAX_SIZE	(1u << 20)

int conf_load_file(struct conf *out, const char *path,
		   struct conf_error *err)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int r;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (!f) {
		r = -errno;
		snprintf(err->message, sizeof(err->message),
			 "cannot open: %s", strerror(errno));
		return r;
	}
	text = malloc(CONF_MAX_SIZE + 1);
	if (!text) {
		fclose(f);
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -ENOMEM;
	}
	n = fread(text, 1, CONF_MAX_SIZE + 1, f);
	if (ferror(f) || n > CONF_MAX_SIZE) {
		snprintf(err->message, sizeof(err->message), "%s",
			 ferror(f) ? "read error" : "larger than 1 MiB");
		free(text);
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	text[n] = '\0';
	r = conf_parse_string(out, text, path, err);
	free(text);
	return r;
}
