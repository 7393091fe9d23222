/* degrade.h - what may still be done when the database cannot be written
 * (a full disk, a read-only file or file system, a copy kept as
 * evidence), and how a refused change is named to the user.
 *
 * README "When the disk is full or the database is read-only" is the
 * policy; session.c applies it: actions that only read stay possible,
 * the others are refused before any work with "The disk is full: the
 * note was not saved; nothing was lost." and the like. */
#ifndef CHARTROOM_DEGRADE_H
#define CHARTROOM_DEGRADE_H

#include "core/perm.h"

/* 1 if action a stays possible on a read-only database: it reads
 * (searching, viewing a chart, the audit trail, a backup), or it also
 * reads (user_manage lists users, him_records lists deficiencies,
 * coding_edit shows a provider the coding): the changes these make then
 * fail when saved, with degrade_loss's words. */
int degrade_reads_only(action_t a);

/* What is not done when a change under action a cannot be saved, as the
 * middle of "The disk is full: <this>; nothing was lost.": "the note was
 * not saved". NULL for the actions that only read. */
const char *degrade_loss(action_t a);

#endif
