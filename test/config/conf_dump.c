/*
 * conf_dump: parse a config file and print it in canonical form, or the
 * error as file:line: reason -- what the golden tests compare.
 */
#include <stdio.h>

#include "conf.h"

int main(int argc, char **argv)
{
	struct conf_error err;
	static struct conf c;
	char buf[512];

	if (argc != 2) {
		fprintf(stderr, "usage: conf_dump FILE\n");
		return 2;
	}
	if (conf_load_file(&c, argv[1], &err)) {
		printf("%s\n", conf_error_str(&err, buf, sizeof(buf)));
		return 1;
	}
	return conf_print(&c, stdout) ? 1 : 0;
}
