build-dev/tests/test_policy: tests/unit/test_policy.c \
 tests/unit/testutil.h src/base/status.h src/core/audit.h \
 src/core/session.h src/core/clinic.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/crypto.h src/core/patient.h src/core/users.h \
 src/db/db_journal.h src/db/db.h src/db/db_audit.h src/core/internal.h \
 src/db/db_users.h src/core/keys.h src/core/policy.h
tests/unit/testutil.h:
src/base/status.h:
src/core/audit.h:
src/core/session.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/patient.h:
src/core/users.h:
src/db/db_journal.h:
src/db/db.h:
src/db/db_audit.h:
src/core/internal.h:
src/db/db_users.h:
src/core/keys.h:
src/core/policy.h:
