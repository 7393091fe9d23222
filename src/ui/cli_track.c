/* cli_track.c - the command line for paper-chart tracking
 * (core/chart_track.h): `chart-out MRN --to WHO --due D [--volume N]`,
 * `chart-in MRN [--volume N]`, `chart-home MRN --home LOC [--volume N]`,
 * `charts-out [--overdue]` and `chart-history MRN`. */
#include "ui/cli_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/chart_track.h"

static int volume_of(const cli_t *c, int *v)
{
	const char *s = cli_val(c, "volume");
	char *end;
	long n;
	*v = 1;
	if (!s)
		return 1;
	n = strtol(s, &end, 10);
	if (*end || end == s || n < 1 || n > 99)
		return 0;
	*v = (int)n;
	return 1;
}

static int finish(clinic_t *clinic, session_t *s, status_t st, msg_t *m)
{
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m->text);
	if (m->text[0])
		cli_say(m->text);
	return 0;
}

static const char out_usage[] = "chart-out MRN --to WHO --due YYYY-MM-DD [--volume N]";
static const char in_usage[] = "chart-in MRN [--volume N]";
static const char home_usage[] = "chart-home MRN --home LOCATION [--volume N]";
static const char list_usage[] = "charts-out [--overdue]";
static const char history_usage[] = "chart-history MRN";

static const char track_help[] =
    "Paper-chart tracking (HIM): each physical volume of a patient's record has\n"
    "a home location; it is charged out to a person or department with a due\n"
    "date and returned; every movement is kept (chart-history) and audited.\n"
    "A volume never registered gets home \"File room\" when first charged out;\n"
    "chart-home sets it. --volume defaults to 1.\n";

static int cmd_out(cli_t *c)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int v;
	if (c->help) {
		printf("usage: chartroom %s\n\n%s", out_usage, track_help);
		return 0;
	}
	if (c->argc != 2)
		return cli_usage_error(out_usage, NULL);
	if (!cli_val(c, "to") || !cli_val(c, "due"))
		return cli_usage_error(out_usage, "--to WHO and --due DATE are needed");
	if (!volume_of(c, &v))
		return cli_usage_error(out_usage, "--volume is a number from 1 to 99");
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	st = track_out(s, c->argv[1], v, cli_val(c, "to"), cli_val(c, "due"), &m);
	return finish(clinic, s, st, &m);
}

static int cmd_in(cli_t *c)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int v;
	if (c->help) {
		printf("usage: chartroom %s\n\n%s", in_usage, track_help);
		return 0;
	}
	if (c->argc != 2)
		return cli_usage_error(in_usage, NULL);
	if (!volume_of(c, &v))
		return cli_usage_error(in_usage, "--volume is a number from 1 to 99");
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	st = track_in(s, c->argv[1], v, &m);
	return finish(clinic, s, st, &m);
}

static int cmd_home(cli_t *c)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int v;
	if (c->help) {
		printf("usage: chartroom %s\n\n%s", home_usage, track_help);
		return 0;
	}
	if (c->argc != 2)
		return cli_usage_error(home_usage, NULL);
	if (!cli_val(c, "home"))
		return cli_usage_error(home_usage, "--home LOCATION is needed");
	if (!volume_of(c, &v))
		return cli_usage_error(home_usage, "--volume is a number from 1 to 99");
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	st = track_home(s, c->argv[1], v, cli_val(c, "home"), &m);
	return finish(clinic, s, st, &m);
}

struct list_ctx {
	const config_t *cfg;
	int n, overdue;
};

static int print_out(const track_out_t *o, void *arg)
{
	struct list_ctx *l = arg;
	char since[64];
	if (!l->n)
		printf("MRN\tpatient\tvolume\tout to\tdue\tdays overdue\tcharged out\tby\thome\n");
	cli_tsv("%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n", o->mrn, o->name, o->volume, o->to, o->due,
		o->days_overdue > 0 ? o->days_overdue : 0,
		cli_time(l->cfg, o->since, CLI_TIME_TSV, "", since, sizeof since), o->by, o->home);
	l->n++;
	if (o->days_overdue > 0)
		l->overdue++;
	return 0;
}

static int cmd_list(cli_t *c)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	struct list_ctx l = {NULL, 0, 0};
	msg_t m;
	status_t st;
	if (c->help) {
		printf("usage: chartroom %s\n\nThe volumes charged out now, the most overdue "
		       "first (tab-separated);\n--overdue: only those past their due date.\n\n%s",
		       list_usage, track_help);
		return 0;
	}
	if (c->argc != 1)
		return cli_usage_error(list_usage, NULL);
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	l.cfg = clinic_config(clinic);
	st = track_list_out(s, cli_val(c, "overdue") != NULL, print_out, &l, &m);
	if (st == STATUS_OK)
		msg_set(&m, "%d volume%s out, %d overdue.", l.n, l.n == 1 ? "" : "s", l.overdue);
	return finish(clinic, s, st, &m);
}

static int print_event(const track_event_t *e, void *arg)
{
	const struct list_ctx *l = arg;
	char at[64], vol[64];
	cli_time(l->cfg, e->at, CLI_TIME_TSV, "", at, sizeof at);
	/* a volume of a chart merged into this one names that chart */
	if (e->from_mrn[0])
		snprintf(vol, sizeof vol, "volume %d of MRN %s (merged)", e->volume, e->from_mrn);
	else
		snprintf(vol, sizeof vol, "volume %d", e->volume);
	if (strcmp(e->event, "out") == 0)
		cli_tsv("%s\t%s\tout to\t%s\tdue %s\t%s\n", at, vol, e->place, e->due, e->by);
	else if (strcmp(e->event, "in") == 0)
		cli_tsv("%s\t%s\treturned\t\t\t%s\n", at, vol, e->by);
	else
		cli_tsv("%s\t%s\thome\t%s\t\t%s\n", at, vol, e->place, e->by);
	return 0;
}

static int cmd_history(cli_t *c)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	struct list_ctx l = {NULL, 0, 0};
	msg_t m;
	status_t st;
	if (c->help) {
		printf("usage: chartroom %s\n\nEvery movement of a chart's paper volumes, oldest "
		       "first (tab-separated:\ntime, volume, event, place, due, by).\n\n%s",
		       history_usage, track_help);
		return 0;
	}
	if (c->argc != 2)
		return cli_usage_error(history_usage, NULL);
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	l.cfg = clinic_config(clinic);
	st = track_history(s, c->argv[1], print_event, &l, &m);
	return finish(clinic, s, st, &m);
}

static const cli_optspec_t out_opts[] = {
    {"to", 0, 1, NULL}, {"due", 0, 1, NULL}, {"volume", 0, 1, NULL}, {NULL, 0, 0, NULL}};
static const cli_optspec_t in_opts[] = {{"volume", 0, 1, NULL}, {NULL, 0, 0, NULL}};
static const cli_optspec_t home_opts[] = {
    {"home", 0, 1, NULL}, {"volume", 0, 1, NULL}, {NULL, 0, 0, NULL}};
static const cli_optspec_t list_opts[] = {{"overdue", 0, 0, NULL}, {NULL, 0, 0, NULL}};

const cli_command_t cli_chart_out_command = {
    "chart-out", cmd_out, "charge a paper chart out", out_usage, out_opts, NULL, 0, NULL};
const cli_command_t cli_chart_in_command = {
    "chart-in", cmd_in, "return a paper chart", in_usage, in_opts, NULL, 0, NULL};
const cli_command_t cli_chart_home_command = {
    "chart-home", cmd_home, "a paper chart's home location", home_usage, home_opts, NULL,
    0,           NULL};
const cli_command_t cli_charts_out_command = {
    "charts-out", cmd_list, "paper charts out, overdue first", list_usage, list_opts, NULL,
    0,            NULL};
const cli_command_t cli_chart_history_command = {
    "chart-history", cmd_history, "every movement of a paper chart", history_usage, NULL, NULL,
    0,               NULL};
