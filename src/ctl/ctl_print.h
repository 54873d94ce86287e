/*
 * ctl_print: sctpalgctl's text output.  Takes a daemon answer already
 * parsed (json-c) and prints it for people: aligned tables for
 * associations, paths and interfaces, name/value lists for counters.
 * Pure (writes to the FILE it is given), so it is unit-tested on
 * answers built by the daemon's own renderer.
 */
#ifndef SCTPALG_CTL_PRINT_H
#define SCTPALG_CTL_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ctl_proto.h"

struct json_object;

/*
 * Prints the answer `doc` to the command cmd.  0, or -EINVAL when the
 * document is not an answer of that shape (then nothing useful was
 * printed and the caller should say so).  An {"ok":false} answer is
 * the caller's business: check it first.
 */
int ctl_print(FILE *f, enum ctl_cmd cmd, struct json_object *doc);

/*
 * One line of "monitor" (line, len bytes, no newline): with json as it
 * came, else "HH:MM:SS text" (local time of the event).  0, or -EINVAL
 * when it is not an event line (nothing printed).
 */
int ctl_print_event(FILE *f, const char *line, size_t len, bool json);

#endif
