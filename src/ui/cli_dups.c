/* cli_dups.c - the command line for duplicate charts (issue 13 item 4):
 * `duplicates scan`, `duplicates list [--format table|csv]`,
 * `duplicates show ID`, `duplicates not-same MRN MRN --reason WHY` and
 * `duplicates not-same-list`. The scan, the checks and the permission
 * (chart_merge) are core's (core/dupscan.h, core/notsame.h). */
#include "ui/cli_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/dupscan.h"
#include "core/notsame.h"

static const char dups_usage[] =
    "duplicates scan | duplicates list [--format table|csv] | duplicates show ID |\n"
    "       duplicates not-same MRN MRN --reason WHY|- | duplicates not-same-list";

static const char dups_help[] =
    "The duplicate-chart worklist (HIM, permission chart_merge).\n"
    "  scan            score every registered patient against the others with the\n"
    "                  duplicate check registration uses (blind-index tokens) and\n"
    "                  make the worklist the pairs at or over [matching] threshold;\n"
    "                  a progress bar on a terminal\n"
    "  list            the open pairs, best score first (--format csv for a file)\n"
    "  show ID         one pair, both charts side by side\n"
    "  not-same A B    mark two charts not the same person (--reason, or - to read\n"
    "                  it from standard input): the pair leaves the worklist, later\n"
    "                  scans skip it\n"
    "  not-same-list   the do-not-link list with reasons, who and when\n";

typedef struct progress {
	int tty, shown;
} progress_t;

static void on_progress(int64_t done, int64_t total, void *arg)
{
	progress_t *p = arg;
	enum { WIDTH = 30 };
	int fill;
	if (!p->tty)
		return;
	fill = total > 0 ? (int)(done * WIDTH / total) : WIDTH;
	if (fill > WIDTH)
		fill = WIDTH;
	fprintf(stderr, "\rScanning [%.*s%*s] %lld/%lld patients", fill,
		"##############################", WIDTH - fill, "", (long long)done,
		(long long)total);
	fflush(stderr);
	p->shown = 1;
}

struct list_ctx {
	const config_t *cfg;
	int csv, n;
};

static int print_dup(const dup_candidate_t *d, void *arg)
{
	struct list_ctx *l = arg;
	char num[32];
	if (l->csv) {
		if (!l->n)
			printf("id,score,mrn_a,patient_a,dob_a,mrn_b,patient_b,dob_b,matched,"
			       "age_days\n");
		snprintf(num, sizeof num, "%lld", (long long)d->id);
		cli_csv_put(num, 0);
		snprintf(num, sizeof num, "%d", d->score);
		cli_csv_put(num, 0);
		cli_csv_put(d->mrn_a, 0);
		cli_csv_put(d->name_a, 0);
		cli_csv_put(d->dob_a, 0);
		cli_csv_put(d->mrn_b, 0);
		cli_csv_put(d->name_b, 0);
		cli_csv_put(d->dob_b, 0);
		cli_csv_put(d->why, 0);
		snprintf(num, sizeof num, "%ld", d->age_days);
		cli_csv_put(num, 1);
	} else {
		if (!l->n)
			printf("%-5s %5s %-10s %-20s %-10s %-20s %4s %s\n", "ID", "SCORE", "MRN",
			       "PATIENT", "MRN", "PATIENT", "DAYS", "MATCHED");
		cli_printf("%-5lld %5d %-10s %-20.20s %-10s %-20.20s %4ld %s\n", (long long)d->id,
			   d->score, d->mrn_a, d->name_a, d->mrn_b, d->name_b, d->age_days, d->why);
	}
	l->n++;
	return 0;
}

static int print_ns(const notsame_entry_t *e, void *arg)
{
	struct list_ctx *l = arg;
	char at[64];
	if (!l->n)
		printf("id\tmrn_a\tpatient_a\tmrn_b\tpatient_b\tmarked\tby\treason\n");
	cli_tsv("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)e->id, e->mrn_a, e->name_a,
		e->mrn_b, e->name_b, cli_time(l->cfg, e->set_at, CLI_TIME_TSV, "", at, sizeof at),
		e->set_by, e->reason);
	l->n++;
	return 0;
}

/* The reason: --reason TEXT, or - for one line of standard input. */
static int reason_of(cli_t *c, char *buf, size_t size)
{
	const char *r = cli_val(c, "reason");
	size_t n;
	if (!r)
		return 0;
	if (strcmp(r, "-") != 0) {
		snprintf(buf, size, "%s", r);
		return 1;
	}
	if (!fgets(buf, (int)size, c->in ? c->in : stdin))
		return 0;
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 1;
}

static int cmd_dups(cli_t *c)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st = STATUS_OK;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *fmt = cli_val(c, "format");
	struct list_ctx l = {NULL, 0, 0};
	char reason[NOTSAME_REASON_MAX * 4 + 2] = "";
	int64_t id = 0;

	if (c->help) {
		printf("usage: chartroom %s\n\n%s", dups_usage, dups_help);
		return 0;
	}
	if (strcmp(verb, "scan") == 0 || strcmp(verb, "list") == 0 ||
	    strcmp(verb, "not-same-list") == 0) {
		if (c->argc != 2)
			return cli_usage_error(dups_usage, NULL);
	} else if (strcmp(verb, "show") == 0) {
		char *end;
		if (c->argc != 3)
			return cli_usage_error(dups_usage, NULL);
		id = strtoll(c->argv[2], &end, 10);
		if (*end || end == c->argv[2] || id < 1)
			return cli_usage_error(dups_usage, "ID is a pair's number from `duplicates list`");
	} else if (strcmp(verb, "not-same") == 0) {
		if (c->argc != 4)
			return cli_usage_error(dups_usage, "give the two charts' MRNs");
		if (!cli_val(c, "reason"))
			return cli_usage_error(dups_usage, "--reason WHY is needed");
	} else {
		return cli_usage_error(dups_usage, verb[0] ? "unknown verb" : NULL);
	}
	if (fmt && strcmp(fmt, "table") != 0 && strcmp(fmt, "csv") != 0)
		return cli_usage_error(dups_usage, "--format is table or csv");
	l.csv = fmt && strcmp(fmt, "csv") == 0;
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	l.cfg = clinic_config(clinic);
	if (strcmp(verb, "scan") == 0) {
		progress_t p = {isatty(STDERR_FILENO), 0};
		dupscan_opts_t o = {0, on_progress, &p, 0};
		dupscan_result_t r;
		st = dupscan_run(s, &o, &r, &m);
		if (p.shown)
			fputc('\n', stderr);
		if (st == STATUS_OK)
			printf("%lld patients scanned in %.1f s; %lld pairs found, %lld on the "
			       "worklist (%lld new), %lld marked not the same person\n",
			       (long long)r.patients, r.tokens_s + r.pairs_s, (long long)r.pairs,
			       (long long)r.kept, (long long)(r.kept - r.was_listed),
			       (long long)r.not_same);
		if (st == STATUS_OK)
			m.text[0] = '\0';
	} else if (strcmp(verb, "list") == 0) {
		st = dup_candidates_list(s, print_dup, &l, &m);
		if (st == STATUS_OK)
			msg_set(&m, "%d pair%s on the duplicate worklist.", l.n, l.n == 1 ? "" : "s");
	} else if (strcmp(verb, "show") == 0) {
		dup_candidate_t d;
		if ((st = dup_candidate_get(s, id, &d, &m)) == STATUS_OK) {
			cli_printf("pair %lld  score %d  found %s (%ld days)\n", (long long)d.id,
				   d.score, d.found_at, d.age_days);
			cli_printf("matched    %s\n", d.why);
			cli_printf("%-18s %-30s %s\n", "", "A", "B");
			cli_printf("%-18s %-30s %s\n", "MRN", d.mrn_a, d.mrn_b);
			cli_printf("%-18s %-30.30s %s\n", "name", d.name_a, d.name_b);
			cli_printf("%-18s %-30s %s\n", "born", d.dob_a, d.dob_b);
			cli_printf("%-18s %-30s %s\n", "sex", d.sex_a, d.sex_b);
			for (int i = 0; i < dup_counts(); i++)
				cli_printf("%-18s %-30lld %lld\n", dup_count_label(i),
					   (long long)d.count_a[i], (long long)d.count_b[i]);
			sodium_memzero(&d, sizeof d);
			m.text[0] = '\0';
		}
	} else if (strcmp(verb, "not-same") == 0) {
		if (!reason_of(c, reason, sizeof reason))
			st = msg_fail(&m, STATUS_INVALID, "Reason: none was given.");
		else
			st = notsame_mark(s, c->argv[2], c->argv[3], reason, &m);
		sodium_memzero(reason, sizeof reason);
	} else {
		st = notsame_list(s, print_ns, &l, &m);
		if (st == STATUS_OK)
			msg_set(&m, "%d pair%s marked not the same person.", l.n, l.n == 1 ? "" : "s");
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (m.text[0])
		cli_say(m.text);
	return 0;
}

static const cli_optspec_t dups_opts[] = {
    {"format", 0, 1, "list"}, {"reason", 0, 1, "not-same"}, {NULL, 0, 0, NULL}};

const cli_command_t cli_duplicates_command = {"duplicates",
                                              cmd_dups,
                                              "duplicate-chart worklist, do-not-link list",
                                              dups_usage,
                                              dups_opts,
                                              NULL,
                                              0,
                                              NULL};
