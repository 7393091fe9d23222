/* cli_keys.c - `chartroom keys rotate` and `keys status` (core/rotate.h):
 * options, the recovery key read from standard input or the terminal,
 * progress on standard error, the new recovery key printed once; `keys
 * reindex` (core/reindex.h). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/tz.h"
#include "core/crypto.h"
#include "core/reindex.h"
#include "core/rotate.h"
#include "ui/cli_internal.h"

#define RK_MAX 256

static const char ROTATE_USAGE[] =
	"[--user ACTOR] keys rotate demo|clin|audit|index [--batch N] [--max-batches K] "
	"[--recovery]\n"
	"       [--user ACTOR] keys rotate recovery [--recovery]";

static const char KEYS_STATUS_USAGE[] = "[--user ACTOR] keys status";
static const char REINDEX_USAGE[] = "[--user ACTOR] keys reindex [--batch N] [--max-batches K]";

static void rotate_help(void)
{
	printf("usage: chartroom %s\n\n"
	       "A new version of a key; every value under the old one is re-encrypted (demo,\n"
	       "clin), re-MAC'd (chart rows and heads: demo) or re-tokenised (index: the\n"
	       "search tokens and duplicate-check sets) under the new one, a batch of patients\n"
	       "per transaction while others keep working; then the old version is destroyed\n"
	       "(its wraps deleted for every account and the recovery key). Stopped or killed,\n"
	       "the same command continues where it stopped. Needs key_manage and the key\n"
	       "being rotated: clin is rotated by a clinical user granted key_manage, or with\n"
	       "the recovery key. The audit key's old version is kept, wrapped under the new\n"
	       "one, only to verify the entries made with it (entries are never rewritten).\n"
	       "  --batch N        patients per transaction (default %d; index %d)\n"
	       "  --max-batches K  stop after K batches (run again to continue)\n"
	       "  --recovery       the recovery key joins your keys: with --password-stdin the\n"
	       "                   line after the password, else asked\n"
	       "  recovery         a new recovery key (printed once) wraps every key; needs\n"
	       "                   --recovery (the current one) or a session holding every key\n",
	       ROTATE_USAGE, ROTATE_BATCH, ROTATE_INDEX_BATCH);
}

typedef struct step_ctx {
	struct timespec t0;
	long long kill_after; /* test builds: SIGKILL after this many steps (-1: never) */
	long long steps;
	int64_t last; /* batches at the last step */
} step_ctx_t;

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int on_step(const rotate_progress_t *p, void *arg)
{
	step_ctx_t *c = arg;
	if (p->batches == 0 && c->steps == 0)
		fprintf(stderr,
			"rotating the %s key: version %d -> %d%s (stopped or killed, the same "
			"command continues)\n",
			p->domain, p->from, p->to, p->started ? "" : ", continuing");
	else if (p->batches && p->batches % 50 == 0 && p->batches != c->last)
		fprintf(stderr, "%s: patients up to row %" PRId64 " done (pass %d, %" PRId64
				" looked at, %.1f s)\n",
			p->domain, p->after, p->pass, p->patients, since(&c->t0));
	c->last = p->batches;
	fflush(stderr);
#ifdef CHARTROOM_TEST_HOOKS
	/* The crash tests: die as kill -9 would, right after batch N
	 * committed (0: right after the start). */
	if (c->kill_after >= 0 && p->batches >= c->kill_after)
		raise(SIGKILL);
#endif
	c->steps++;
	return 0;
}

static domain_t domain_of(const char *name)
{
	if (strcmp(name, "index") == 0)
		return DOMAIN_INDEX;
	return crypto_domain_from_name(name);
}

const char *cli_keys_verb_usage(const char *verb)
{
	if (verb && strcmp(verb, "rotate") == 0)
		return ROTATE_USAGE;
	if (verb && strcmp(verb, "status") == 0)
		return KEYS_STATUS_USAGE;
	if (verb && strcmp(verb, "reindex") == 0)
		return REINDEX_USAGE;
	return NULL;
}

int cli_keys_rotate(cli_t *c)
{
	const char *what = c->argc > 2 ? c->argv[2] : NULL;
	const char *batch_text = cli_val(c, "batch"), *max_text = cli_val(c, "max-batches");
	int use_recovery = cli_val(c, "recovery") != NULL;
	long batch = 0, max_batches = 0;
	char *end = NULL;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	char *rk = NULL, fresh[CRYPTO_RECOVERY_TEXT];
	rotate_opts_t o;
	rotate_progress_t p;
	step_ctx_t sc;
	msg_t m;
	status_t st;
	domain_t d = DOMAIN_COUNT;

	if (c->help) {
		rotate_help();
		return 0;
	}
	if (c->argc > 3)
		return cli_usage_error(ROTATE_USAGE, "too many arguments");
	if (batch_text) {
		batch = strtol(batch_text, &end, 10);
		if (!*batch_text || *end || batch < 1 || batch > 100000)
			return cli_usage_error(ROTATE_USAGE, "--batch takes 1 to 100000");
	}
	if (max_text) {
		max_batches = strtol(max_text, &end, 10);
		if (!*max_text || *end || max_batches < 1 || max_batches > 1000000000)
			return cli_usage_error(ROTATE_USAGE,
			                       "--max-batches takes a positive number");
	}
	if (!what)
		return cli_usage_error(ROTATE_USAGE, "which key?");
	if (strcmp(what, "recovery") != 0) {
		d = domain_of(what);
		if (d != DOMAIN_DEMO && d != DOMAIN_CLIN && d != DOMAIN_AUDIT && d != DOMAIN_INDEX)
			return cli_usage_error(ROTATE_USAGE,
					       "keys that rotate: demo, clin, audit, index, recovery");
	} else if (batch || max_batches) {
		return cli_usage_error(ROTATE_USAGE, "the recovery key has no batches");
	}
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	if (use_recovery) {
		if (!(rk = crypto_secure_text(RK_MAX))) {
			st = msg_fail(&m, STATUS_NOMEM, "out of memory");
			goto cleanup;
		}
		if ((st = cli_read_secret(c, "Recovery key: ", rk, RK_MAX, &m)) != STATUS_OK)
			goto cleanup;
	}
	if (d == DOMAIN_COUNT) {
		st = rotate_recovery(s, rk, fresh, &m);
		if (st == STATUS_OK) {
			printf("\nNEW RECOVERY KEY (shown once; print it and keep it in the clinic's "
			       "safe):\n\n    %s\n\n"
			       "It replaces the old one, which opens nothing in this database now.\n",
			       fresh);
			memset(fresh, 0, sizeof fresh);
		}
		goto cleanup;
	}
	memset(&o, 0, sizeof o);
	memset(&sc, 0, sizeof sc);
	clock_gettime(CLOCK_MONOTONIC, &sc.t0);
	sc.kill_after = -1;
#ifdef CHARTROOM_TEST_HOOKS
	{
		const char *k = getenv("CHARTROOM_TEST_ROTATE_KILL");
		if (k && *k)
			sc.kill_after = atoll(k);
	}
#endif
	o.batch = (int)batch;
	o.max_batches = (int)max_batches;
	o.recovery = rk;
	o.on_step = on_step;
	o.arg = &sc;
	st = rotate_key(s, d, &o, &p, &m);
	if (st == STATUS_OK) {
		double secs = since(&sc.t0);
		if (p.paused)
			fprintf(stderr,
				"%s: stopped after %" PRId64 " batch%s (patients up to row %" PRId64
				" done); run the same command to continue\n",
				p.domain, p.batches, p.batches == 1 ? "" : "es", p.after);
		else
			printf("%s key rotated: version %d -> %d; %" PRId64 " patients looked at, "
			       "%" PRId64 " rewritten in %.2f s (%.0f patients/s); version %d %s\n",
			       p.domain, p.from, p.to, p.patients, p.changed, secs,
			       secs > 0 ? (double)p.patients / secs : 0.0, p.from,
			       d == DOMAIN_AUDIT ? "retired (kept only to verify older entries)"
						 : "destroyed");
	}
cleanup:
	crypto_secure_text_free(rk);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	return 0;
}

static int print_key(const rotate_key_info_t *k, void *arg)
{
	char when[TZ_TEXT_MAX];
	cli_tsv("%s\t%d\t%s\t%s\t%" PRId64 "\n", k->domain, k->version,
	        k->active                         ? "active"
	        : strcmp(k->domain, "audit") == 0 ? "retired (verifies older entries)"
	                                          : "retired (destroyed)",
	        cli_time(arg, k->created, CLI_TIME_TSV, "", when, sizeof when), k->holders);
	return 0;
}

int cli_keys_status(cli_t *c)
{
	static const char *const usage = KEYS_STATUS_USAGE;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	char job[160];
	msg_t m;
	status_t st;

	if (c->help) {
		printf("usage: chartroom %s\n\nEvery key version: key, version, state, created, "
		       "wraps and grants of it;\nthen the rotation in progress, if any. Needs "
		       "key_manage.\n",
		       usage);
		return 0;
	}
	if (c->argc != 2)
		return cli_usage_error(usage, NULL);
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	printf("key\tversion\tstate\tcreated\twraps\n");
	st = rotate_status(s, print_key, (void *)clinic_config(clinic), job, sizeof job, &m);
	if (st == STATUS_OK)
		printf("rotation in progress: %s\n", job[0] ? job : "none");
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	return 0;
}

int cli_keys_reindex(cli_t *c)
{
	const char *usage = REINDEX_USAGE;
	const char *batch_text = cli_val(c, "batch"), *max_text = cli_val(c, "max-batches");
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	reindex_progress_t p;
	struct timespec t0;
	long batch = 0, max_batches = 0;
	char *end = NULL;
	msg_t m;
	status_t st;

	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "Re-makes the search tokens of patients registered before this version's\n"
		       "search index (schema 010: every part of a compound name, whole names,\n"
		       "prefixes to 16 letters, one letter of a Chinese, Japanese or Korean name,\n"
		       "Unicode case and accent folding), a batch of patients per transaction\n"
		       "while others keep working. Every sign-on holding the demo and index keys\n"
		       "does a few seconds of it; this does the rest. Stopped or killed, the same\n"
		       "command continues. Needs key_manage (and the demo and index keys).\n"
		       "  --batch N        patients per transaction (default %d)\n"
		       "  --max-batches K  stop after K batches (run again to continue)\n",
		       usage, REINDEX_BATCH);
		return 0;
	}
	if (batch_text) {
		batch = strtol(batch_text, &end, 10);
		if (!*batch_text || *end || batch < 1 || batch > 100000)
			return cli_usage_error(usage, "--batch takes 1 to 100000");
	}
	if (max_text) {
		max_batches = strtol(max_text, &end, 10);
		if (!*max_text || *end || max_batches < 1 || max_batches > 1000000000)
			return cli_usage_error(usage, "--max-batches takes a positive number");
	}
	if (c->argc > 2)
		return cli_usage_error(usage, "too many arguments");
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = reindex_all(s, (int)batch, (int)max_batches, &p, &m);
	if (st == STATUS_OK) {
		double secs = since(&t0);
		if (p.done)
			printf("search index up to date: %" PRId64 " patients looked at, %" PRId64
			       " re-made in %.2f s%s\n",
			       p.patients, p.changed, secs,
			       p.failed ? " (some records failed their check: see the audit trail)"
					: "");
		if (p.done && p.ranked)
			printf("name order made: %" PRId64 " patients ranked\n", p.ranked);
		else if (!p.done)
			fprintf(stderr,
				"stopped after %ld batch%s (patients up to row %" PRId64
				" done); run the same command to continue\n",
				max_batches, max_batches == 1 ? "" : "es", p.after);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	return 0;
}
