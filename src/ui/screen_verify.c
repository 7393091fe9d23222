/* screen_verify.c - verify the audit chain: core recomputes every entry's
 * MAC over the previous one (audit_verify, which checks ACT_AUDIT_VERIFY)
 * and this screen shows "audit chain OK: N entries" or, highlighted, the
 * first broken sequence number. F5 runs the check again. Holds only the
 * last result. */
#include "ui/screen_verify.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/audit.h"
#include "ui/draw.h"
#include "ui/theme.h"

typedef struct verify {
	status_t result;
	int64_t count, bad;
	msg_t text;
} verify_t;

static status_t verify_run(ui_t *ui, void *priv, msg_t *m)
{
	verify_t *v = priv;
	(void)m;
	ui_busy(ui, "Verifying the audit chain...");
	v->count = v->bad = 0;
	v->result = audit_verify(ui_session(ui), NULL, &v->count, &v->bad, &v->text);
	ui_message(ui, UI_MSG_INFO, "%s", ""); /* the result is on the screen itself */
	/* A broken chain is the result to show, not a failure to open; only
	 * a refusal (or a database error) keeps the screen from opening. */
	if (v->result != STATUS_OK && v->result != STATUS_INTEGRITY) {
		msg_set(m, "%s", v->text.text);
		return v->result;
	}
	return STATUS_OK;
}

struct wrap_at {
	WINDOW *w;
	int y;
};

static void line_at(const char *line, int n, void *arg)
{
	struct wrap_at *a = arg;
	draw_text(a->w, a->y + n, 4, getmaxx(a->w) - 8, line, 0);
}

static void verify_draw(ui_t *ui, void *priv, WINDOW *w)
{
	verify_t *v = priv;
	int W = getmaxx(w);
	char line[600];
	struct wrap_at at = {w, 3};
	(void)ui;

	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, 1, 2, W - 4, "Audit chain verification", 0);
	wattrset(w, theme_attr(v->result == STATUS_OK ? TH_OK : TH_ALERT));
	snprintf(line, sizeof line, " %s ", v->text.text);
	at.y += draw_wrap(line, W - 8, line_at, &at) + 1;
	wattrset(w, theme_attr(TH_NORMAL));
	if (v->result == STATUS_OK)
		draw_wrap("Every entry's MAC was recomputed from its fields and the entry before "
		          "it, with the clinic's audit key: no entry has been changed, removed or "
		          "inserted since it was written.",
		          W - 8, line_at, &at);
	else if (v->result == STATUS_INTEGRITY && v->bad == 0)
		draw_wrap("The chain itself is intact, but a chart no longer matches what the "
		          "trail recorded of it: rows were changed, deleted or put back from an "
		          "older copy outside Chartroom. Do not change anything else: keep a copy "
		          "of the database file and tell your privacy officer now.",
		          W - 8, line_at, &at);
	else if (v->result == STATUS_INTEGRITY)
		draw_wrap(
		    "The audit trail has been altered at or after the sequence named above, "
		    "or the database was damaged. Do not change anything else: keep a copy of "
		    "the database file and tell your privacy officer now.",
		    W - 8, line_at, &at);
}

static unsigned verify_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	(void)ui;
	(void)priv;
	return ev->action == KA_RELOAD ? UI_RELOAD | UI_REDRAW : UI_IGNORED;
}

static const struct screen_hint verify_hints[] = {
    {KA_RELOAD, "check again"},
    {KA_BACK, "back"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_verify = {
    .title = "Verify audit chain",
    .private_size = sizeof(verify_t),
    .hints = verify_hints,
    .open = verify_run,
    .draw = verify_draw,
    .handle = verify_handle,
    .reload = verify_run,
};
