/*
 * ctl_prom: sctpalgctl's Prometheus output.  Takes the daemon's answer
 * to "stats" (already parsed, json-c) and prints it in the Prometheus
 * text exposition format 0.0.4, for node_exporter's textfile collector
 * or any scraper: one family per counter with HELP and TYPE lines,
 * counters named *_total, labels for direction, drop reason, chunk type,
 * interface and uplink.  Pure (writes to the FILE it is given), so it is
 * unit-tested on answers built by the daemon's own renderer.
 */
#ifndef SCTPALG_CTL_PROM_H
#define SCTPALG_CTL_PROM_H

#include <stdio.h>

struct json_object;

/*
 * Prints the "stats" answer doc as metrics.  0, or -EINVAL when doc is
 * not a stats answer (nothing useful was printed).
 */
int ctl_prom_stats(FILE *f, struct json_object *doc);

#endif
