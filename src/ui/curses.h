/* curses.h - the one door to curses for Chartroom: the wide-character
 * ncurses build with its form, menu and panel companions (the app uses
 * panels; its text fields are its own, see widget_field.h, so that typed
 * passwords only ever live in guarded memory). Nothing outside
 * src/ui/ includes this, and nothing in src/ui/ includes <curses.h>
 * directly (STYLE.md 6). */
#ifndef CHARTROOM_UI_CURSES_H
#define CHARTROOM_UI_CURSES_H

/* Ask for the wide-character API (get_wch, cchar_t, waddnwstr). */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <wchar.h>
#include <wctype.h>

#if defined(__has_include)
#if __has_include(<ncursesw/curses.h>)
#define CHARTROOM_NCURSESW_DIR 1
#endif
#endif

#ifdef CHARTROOM_NCURSESW_DIR
#include <ncursesw/curses.h>
#include <ncursesw/form.h>
#include <ncursesw/menu.h>
#include <ncursesw/panel.h>
#else
#include <curses.h>
#include <form.h>
#include <menu.h>
#include <panel.h>
#endif

#endif
