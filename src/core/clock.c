/* clock.c - the time core stamps records with (core_now, internal.h).
 *
 * Alone in its file on purpose: a unit test that must write records as of
 * another day (old drafts, late coding) links its own core_now ahead of
 * the library's, instead of editing rows in the file, which their MACs
 * would rightly refuse (core/integrity.h). The release program has no way
 * to set the clock; the test binary (CHARTROOM_TEST_HOOKS, build/
 * chartroom-test) takes CHARTROOM_TEST_NOW="YYYY-MM-DDTHH:MM:SSZ" from the
 * environment, for the end-to-end tests of the legal clocks
 * (core/rights.h: a request on day 59, overdue on day 91). */
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "core/internal.h"

void core_now(char buf[24])
{
#ifdef CHARTROOM_TEST_HOOKS
	const char *fake = getenv("CHARTROOM_TEST_NOW");
	if (fake && strlen(fake) == 20 && fake[10] == 'T' && fake[19] == 'Z') {
		memcpy(buf, fake, 21);
		return;
	}
#endif
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
