/*
 * drop_reason.c: names of the drop reasons, as sctpalgctl shows them.
 */
#include "drop_reason.h"

static const char *const names[DROP__COUNT] = {
#define DROP_REASON_NAME(name, str) [DROP_##name] = str,
	DROP_REASONS(DROP_REASON_NAME)
#undef DROP_REASON_NAME
};

const char *drop_reason_name(enum drop_reason r)
{
	return (unsigned int)r < DROP__COUNT ? names[r] : "unknown";
}
