/* clock.c - the time core stamps records with (core_now, internal.h).
 *
 * Alone in its file on purpose: a unit test that must write records as of
 * another day (old drafts, late coding) links its own core_now ahead of
 * the library's, instead of editing rows in the file, which their MACs
 * would rightly refuse (core/integrity.h). The program has no way to set
 * the clock; the test build (chartroom-test) may run it days ahead. */
#include <stdlib.h>
#include <time.h>

#include "core/internal.h"

void core_now(char buf[24])
{
	time_t t = time(NULL);
#ifdef CHARTROOM_TEST_HOOKS
	/* Test builds only (chartroom-test): CHARTROOM_TEST_DAYS_AHEAD=N runs
	 * the clock N days ahead, so an end-to-end test sees a chart charged
	 * out today as overdue next week without editing a row. */
	{
		const char *ahead = getenv("CHARTROOM_TEST_DAYS_AHEAD");
		if (ahead && *ahead)
			t += (time_t)atoi(ahead) * 86400;
	}
#endif
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
