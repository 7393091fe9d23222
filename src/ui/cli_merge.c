/* cli_merge.c - the command line for merging duplicate charts (issue 13
 * item 4): `merge KEEP_MRN RETIRE_MRN --reason WHY` prints the merge's
 * number on standard output; `unmerge MERGE_ID --reason WHY`. The moves,
 * the journal, the checks and the permission (chart_merge) are core's
 * (core/merge.h). */
#include "ui/cli_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/merge.h"

static const char merge_usage[] = "merge KEEP_MRN RETIRE_MRN --reason WHY|-";
static const char unmerge_usage[] = "unmerge MERGE_ID --reason WHY|-";

static const char merge_help[] =
    "Merge a duplicate chart into the one kept (HIM, permission chart_merge).\n"
    "Every encounter (with its coding), vital sign, allergy, medication, problem and\n"
    "note of RETIRE_MRN moves to KEEP_MRN in one transaction; signed notes keep their\n"
    "text. Disclosures, rights requests, paper-chart events and break-the-glass\n"
    "accesses stay recorded against the retired chart and are read with the\n"
    "survivor. RETIRE_MRN still finds the chart, which says where it went.\n"
    "Prints the merge's number (for `unmerge`). --reason - reads it from standard input.\n";

static const char unmerge_help[] =
    "Undo a merge (HIM, permission chart_merge): every record the merge moved goes back\n"
    "to the retired chart exactly as it was (re-bound as it is now when it was changed\n"
    "on the survivor since); records added to the survivor after the merge stay.\n";

/* --reason TEXT, or - for one line of standard input. */
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

static int run(cli_t *c, int undo)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	merge_result_t r;
	char reason[MERGE_REASON_MAX * 4 + 2] = "";
	const char *usage = undo ? unmerge_usage : merge_usage;
	int64_t id = 0;

	if (c->help) {
		printf("usage: chartroom %s\n\n%s", usage, undo ? unmerge_help : merge_help);
		return 0;
	}
	if (c->argc != (undo ? 2 : 3))
		return cli_usage_error(usage, undo ? "give the merge's number"
						   : "give the kept and the retired chart's MRNs");
	if (undo) {
		char *end;
		id = strtoll(c->argv[1], &end, 10);
		if (*end || end == c->argv[1] || id < 1)
			return cli_usage_error(usage, "MERGE_ID is the number `merge` printed");
	}
	if (!cli_val(c, "reason"))
		return cli_usage_error(usage, "--reason WHY is needed");
	/* The password is read first (--password-stdin), then a reason
	 * given as -. */
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	if (!reason_of(c, reason, sizeof reason))
		st = msg_fail(&m, STATUS_INVALID, "Reason: none was given.");
	else if (undo)
		st = merge_undo(s, id, reason, &r, &m);
	else
		st = merge_charts(s, c->argv[1], c->argv[2], reason, &r, &m);
	sodium_memzero(reason, sizeof reason);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (!undo)
		printf("%lld\n", (long long)r.id);
	cli_say(m.text);
	if (!undo && r.review_kept)
		cli_say("Both charts had an allergy review: the kept chart's stands; the retired "
			"chart's stays with it.");
	if (undo && r.followed) {
		snprintf(m.text, sizeof m.text,
			 "%lld vital sign or note record%s added since to its visits went back with "
			 "them.",
			 (long long)r.followed, r.followed == 1 ? "" : "s");
		cli_say(m.text);
	}
	if (undo && r.rebound) {
		snprintf(m.text, sizeof m.text,
			 "%lld of them had changed on the kept chart since the merge and went back "
			 "as they are now.",
			 (long long)r.rebound);
		cli_say(m.text);
	}
	return 0;
}

static int cmd_merge(cli_t *c)
{
	return run(c, 0);
}

static int cmd_unmerge(cli_t *c)
{
	return run(c, 1);
}

static const cli_optspec_t merge_opts[] = {{"reason", 0, 1, NULL}, {NULL, 0, 0, NULL}};

const cli_command_t cli_merge_command = {
    "merge", cmd_merge, "merge a duplicate chart into the one kept", merge_usage, merge_opts,
    NULL,    0,         NULL};
const cli_command_t cli_unmerge_command = {
    "unmerge", cmd_unmerge, "undo a chart merge", unmerge_usage, merge_opts, NULL, 0, NULL};
