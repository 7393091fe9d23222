/* cli_synthea.c - `chartroom import synthea DIR [--skip-bad] [--provider
 * USER]` (core/synthea_import.h): bad rows on standard error as FILE:LINE:
 * reason, a progress bar when standard error is a terminal, a summary of
 * each file's rows on standard output. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/synthea_import.h"
#include "ui/cli_internal.h"

static void report_bad(const char *file, long line, const char *why, void *arg)
{
	(void)arg;
	cli_eprintf("%s:%ld: %s\n", file, line, why);
}

typedef struct bar {
	int tty, shown;
} bar_t;

static void progress(int64_t done, int64_t total, void *arg)
{
	bar_t *b = arg;
	enum { WIDTH = 30 };
	int fill;
	if (!b->tty)
		return;
	fill = total > 0 ? (int)(done * WIDTH / total) : WIDTH;
	if (fill > WIDTH)
		fill = WIDTH;
	fprintf(stderr, "\rImporting [%.*s%*s] %lld/%lld records", fill,
		"##############################", WIDTH - fill, "", (long long)done,
		(long long)total);
	fflush(stderr);
	b->shown = 1;
}

/* What was written of each file's rows, by the resource type it became. */
static long long written(const synthea_import_report_t *r, syn_file_t f)
{
	const fhir_import_report_t *x = &r->fhir;
	switch (f) {
	case SYN_PATIENTS: return x->charts_new + x->charts_updated;
	case SYN_PROVIDERS: return x->count[FHIR_PRACTITIONER];
	case SYN_ENCOUNTERS: return x->count[FHIR_ENCOUNTER];
	case SYN_CONDITIONS: return x->count[FHIR_CONDITION];
	case SYN_ALLERGIES: return x->count[FHIR_ALLERGY];
	case SYN_MEDICATIONS: return x->count[FHIR_MEDICATION];
	case SYN_OBSERVATIONS: return x->count[FHIR_OBSERVATION];
	case SYN_PROCEDURES: return x->count[FHIR_PROCEDURE];
	default: return 0;
	}
}

int cli_import_synthea(cli_t *c)
{
	static const char usage[] =
		"[--user ACTOR] import synthea DIR [--skip-bad] [--provider USER]";
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	synthea_import_opts_t o;
	synthea_import_report_t rep;
	bar_t bar = {isatty(STDERR_FILENO), 0};
	msg_t m;
	status_t st;
	if (c->argc != 3)
		return cli_usage_error(usage, "name the directory of a Synthea CSV export");
	memset(&o, 0, sizeof o);
	o.skip_bad = cli_val(c, "skip-bad") != NULL;
	o.provider = cli_val(c, "provider");
	o.on_bad = report_bad;
	o.progress = progress;
	o.progress_arg = &bar;
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	msg_clear(&m);
	st = synthea_import(s, c->argv[2], &o, &rep, &m);
	if (bar.shown)
		fputc('\n', stderr);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	printf("file\trows\tbad\tskipped\timported\n");
	for (int f = 0; f < SYN_NFILES; f++) {
		const syn_count_t *n = &rep.rows.f[f];
		long skipped = n->other + rep.refused[f];
		if (!rep.rows.present[f])
			continue;
		printf("%s\t%ld\t%ld\t%ld\t%lld\n", synthea_file_name((syn_file_t)f), n->rows,
		       n->bad, skipped, written(&rep, (syn_file_t)f));
	}
	if (rep.rows.present[SYN_OBSERVATIONS])
		cli_eprintf("observations: the skipped are not vital signs; the imported are "
			    "vital-sign records (a blood pressure is one).\n");
	if (rep.rows.present[SYN_PROVIDERS] && rep.rows.f[SYN_PROVIDERS].good)
		cli_eprintf("providers: provider records, not user accounts (chartroom "
			    "providers); each encounter names its provider's record and is "
			    "recorded with the provider user given.\n");
	cli_say(m.text);
	return 0;
}
