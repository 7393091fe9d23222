/* degrade.c - the read-only classes of actions and the words for what a
 * refused change loses (degrade.h). */
#include "core/degrade.h"

#include <stddef.h>

const char *degrade_loss(action_t a)
{
	switch (a) {
	case ACT_PATIENT_SEARCH:
	case ACT_PATIENT_VIEW:
	case ACT_VIEW_CONFIDENTIAL:
	case ACT_CLINICAL_VIEW:
	case ACT_CODING_QUEUE:
	case ACT_AUDIT_VIEW:
	case ACT_AUDIT_VERIFY:
	case ACT_PRIVACY_REVIEW:
	case ACT_AUDIT_REVIEW:
	case ACT_REPORTS_VIEW:
	case ACT_BACKUP:
		return NULL;
	case ACT_PATIENT_REGISTER:
		return "the patient was not registered";
	case ACT_PATIENT_EDIT:
		return "the patient's changes were not saved";
	case ACT_PATIENT_IMPORT:
		return "the import did not finish";
	case ACT_ENCOUNTER_CHECKIN:
		return "the check-in was not saved";
	case ACT_ENCOUNTER_CLOSE:
		return "the encounter was not closed";
	case ACT_VITALS_RECORD:
		return "the vitals were not saved";
	case ACT_ALLERGY_RECORD:
		return "the allergy was not saved";
	case ACT_MEDICATION_RECORD:
		return "the medication was not saved";
	case ACT_PROBLEM_RECORD:
		return "the problem was not saved";
	case ACT_NOTE_WRITE:
		return "the note was not saved";
	case ACT_NOTE_SIGN:
		return "the note was not signed";
	case ACT_CODING_EDIT:
		return "the coding was not saved";
	case ACT_CODING_FINALIZE:
		return "the coding status was not changed";
	case ACT_CODESET_MANAGE:
		return "the code set was not loaded";
	case ACT_USER_MANAGE:
		return "the change to the user was not saved";
	case ACT_HIM_RECORDS:
		return "the change to the record was not saved";
	case ACT_KEY_MANAGE:
		return "the keys were not changed";
	case ACT_BTG_REVIEW:
		return "the review finding was not saved";
	case ACT_RETENTION_PROPOSE:
		return "the destruction proposal was not saved";
	case ACT_RETENTION_APPROVE:
		return "nothing was destroyed";
	case ACT_LEGAL_HOLD:
		return "the legal hold was not changed";
	default:
		break;
	}
	return "the change was not saved";
}

int degrade_reads_only(action_t a)
{
	return degrade_loss(a) == NULL || a == ACT_USER_MANAGE || a == ACT_HIM_RECORDS ||
	       a == ACT_CODING_EDIT;
}
