/* cli_queue.c - `chartroom queue [--kind K] [--assignee USER] [--format
 * table|csv]`: the HIM work queue (core/queue.h), sorted by due date,
 * overdue first. Which kinds a role sees is core's decision. */
#include "ui/cli_internal.h"

#include <string.h>

#include "core/queue.h"

static const char queue_usage[] =
    "queue [--kind KIND] [--assignee USER] [--format table|csv]";

static void left_text(long left, char *buf, size_t size)
{
	if (left < 0)
		snprintf(buf, size, "OVERDUE %ldd", -left);
	else if (left == 0)
		snprintf(buf, size, "due today");
	else
		snprintf(buf, size, "%ldd left", left);
}

static int cmd_queue(cli_t *c)
{
	const char *fmt = cli_val(c, "format"), *kind = cli_val(c, "kind");
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	queue_t *q = NULL;
	queue_filter_t f = {-1, cli_val(c, "assignee")};
	msg_t m;
	status_t st;
	int csv, n;
	msg_clear(&m);
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "Everything waiting for HIM or the privacy officer, sorted by due date\n"
		       "(overdue first): patient, what, assigned to, due date, age in days.\n"
		       "Kinds (your role sees those its permissions allow):\n"
		       "  coding      closed encounters not yet final (due: date of service +\n"
		       "              [codes] late_after_days)\n"
		       "  deficiency  chart deficiencies (due: the day the record turns\n"
		       "              delinquent, [clinical] delinquent_days)\n"
		       "  chart-out   paper chart volumes charged out (due back; assigned to\n"
		       "              the clerk who charged them out)\n"
		       "  roi         open release-of-information requests (their due date)\n"
		       "  amendment   pending amendment requests (their due date)\n"
		       "  btg         break-the-glass accesses not reviewed (due: [privacy]\n"
		       "              btg_review_days after the access)\n"
		       "  --kind K         only kind K\n"
		       "  --assignee USER  only items assigned to USER\n"
		       "  --format csv     comma-separated, with a header line\n",
		       queue_usage);
		return 0;
	}
	if (c->argc != 1)
		return cli_usage_error(queue_usage, NULL);
	if (fmt && strcmp(fmt, "table") != 0 && strcmp(fmt, "csv") != 0)
		return cli_usage_error(queue_usage, "--format is table or csv");
	csv = fmt && strcmp(fmt, "csv") == 0;
	if (kind) {
		queue_kind_t k = queue_kind_from_name(kind);
		if (k == QK_COUNT) {
			char why[160];
			snprintf(why, sizeof why, "--kind is one of %s", queue_kind_names());
			return cli_usage_error(queue_usage, why);
		}
		f.kind = (int)k;
	}
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	if ((st = queue_open(s, &f, &q, &m)) != STATUS_OK)
		goto cleanup;
	n = queue_count(q);
	/* Every patient first: a record that fails its check prints no list. */
	for (int i = 0; i < n; i++)
		if ((st = queue_resolve(s, q, i, &m)) != STATUS_OK)
			goto cleanup;
	if (csv)
		printf("due,days_left,kind,ref,mrn,patient,what,assigned,since,age_days\n");
	else if (n)
		printf("%-10s %-12s %-10s %-6s %-10s %-22s %-44s %-10s %4s\n", "DUE", "", "KIND",
		       "REF", "MRN", "PATIENT", "WHAT", "ASSIGNED", "AGE");
	for (int i = 0; i < n; i++) {
		const queue_item_t *it;
		char left[32], num[32];
		it = queue_item(q, i);
		if (csv) {
			cli_csv_put(it->due, 0);
			snprintf(num, sizeof num, "%ld", it->days_left);
			cli_csv_put(num, 0);
			cli_csv_put(queue_kind_name(it->kind), 0);
			cli_csv_put(it->ref, 0);
			cli_csv_put(it->mrn, 0);
			cli_csv_put(it->name, 0);
			cli_csv_put(it->what, 0);
			cli_csv_put(it->assigned, 0);
			cli_csv_put(it->since, 0);
			snprintf(num, sizeof num, "%d", it->age_days);
			cli_csv_put(num, 1);
		} else {
			left_text(it->days_left, left, sizeof left);
			cli_printf("%-10s %-12s %-10s %-6s %-10s %-22.22s %-44.44s %-10s %4d\n",
				   it->due, left, queue_kind_name(it->kind), it->ref, it->mrn,
				   it->name, it->what, it->assigned[0] ? it->assigned : "-",
				   it->age_days);
		}
	}
	if (!csv) {
		int counts[QK_COUNT];
		char text[200];
		for (int k = 0; k < QK_COUNT; k++)
			counts[k] = queue_count_kind(q, (queue_kind_t)k);
		queue_counts_text(counts, text, sizeof text);
		msg_set(&m, "%d item%s: %s.", n, n == 1 ? "" : "s", text);
	}
cleanup:
	queue_free(q);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (m.text[0])
		cli_say(m.text);
	return 0;
}

static const cli_optspec_t queue_opts[] = {
    {"kind", 0, 1, NULL}, {"assignee", 0, 1, NULL}, {"format", 0, 1, NULL}, {NULL, 0, 0, NULL}};

const cli_command_t cli_queue_command = {
    "queue", cmd_queue, "the HIM work queue: everything waiting, by due date",
    queue_usage, queue_opts, NULL, 0, NULL};
