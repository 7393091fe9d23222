/* clock.c - the time core stamps records with (core_now, internal.h).
 *
 * Alone in its file on purpose: a unit test that must write records as of
 * another day (old drafts, late coding) links its own core_now ahead of
 * the library's, instead of editing rows in the file, which their MACs
 * would rightly refuse (core/integrity.h). The release program has no way
 * to set the clock; the test binary (CHARTROOM_TEST_HOOKS, build/
 * chartroom-test) takes CHARTROOM_TEST_NOW="YYYY-MM-DDTHH:MM:SSZ" from the
 * environment, for the end-to-end tests of the legal clocks
 * (core/rights.h: a request on day 59, overdue on day 91), or
 * CHARTROOM_TEST_DAYS_AHEAD=N to run the clock N days ahead (a chart
 * charged out today is overdue next week). */
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
	/* Every audit event is stamped: the text is made once a second (per
	 * thread) and copied otherwise. */
	static _Thread_local struct {
		time_t t;
		char text[24];
	} last;
	if (!last.text[0] || last.t != t) {
		struct tm tm;
		gmtime_r(&t, &tm);
		if (strftime(last.text, sizeof last.text, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
			last.text[0] = '\0';
			strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
			return;
		}
		last.t = t;
	}
	memcpy(buf, last.text, sizeof last.text);
}
