/* widget_keys.c - key hints from the keymap. */
#include "ui/widget_keys.h"

#include <stdio.h>
#include <string.h>

#include "ui/draw.h"

/* The first key bound to a ("F1" of "F1 ?"). */
static void first_key(ui_t *ui, keyact_t a, char *buf, size_t size)
{
	keymap_keys(ui_keymap(ui), a, buf, size);
	buf[strcspn(buf, " ")] = '\0';
}

void keys_add(ui_t *ui, char *buf, size_t size, keyact_t a, const char *label)
{
	char key[32];
	size_t used = strlen(buf);
	first_key(ui, a, key, sizeof key);
	if (!key[0] || used >= size)
		return;
	snprintf(buf + used, size - used, "%s%s %s", used ? "  " : "", key, label);
}

void keys_yes_no(ui_t *ui, char *buf, size_t size)
{
	char y[16], n[16];
	first_key(ui, KA_YES, y, sizeof y);
	first_key(ui, KA_NO, n, sizeof n);
	snprintf(buf, size, "(%s/%s)", y, n);
}

void keys_tell(ui_t *ui, ui_msg_kind_t kind, const char *text)
{
	ui_message(ui, kind, "%s", text);
	if (draw_width(text) > COLS - 2)
		ui_notice(ui, text);
}
