/*
 * fuzz_parse: libFuzzer target for the IP and SCTP parsers alone, which
 * must accept or refuse any bytes without reading past them or writing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ip_parse.h"
#include "sctp_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);	/* exact size: ASan */
	struct sctp_view sv;
	struct ip_view ip;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (ip_parse(buf, (uint32_t)size, &ip) == DROP_NONE &&
	    ip.l4_off <= ip.total_len &&
	    sctp_parse_header(&sv, buf + ip.l4_off,
			      ip.total_len - ip.l4_off) == DROP_NONE)
		sctp_parse_chunks(&sv, 256);
	if (memcmp(buf, data, size) != 0)
		abort();
	free(buf);
	return 0;
}
