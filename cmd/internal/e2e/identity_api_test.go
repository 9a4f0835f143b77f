package e2e_test

import (
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// idWorld is the stack shared by the subtests of TestIdentityAPI: one api, one worker
// writing e-mails into MAIL_DIR, and an administrator made with the admin binary.
type idWorld struct {
	s     *stack
	api   string
	db    *pgxpool.Pool
	mail  *idMailbox
	admin idSession
}

// TestIdentityAPI drives every row of API.md's Auth, Users and Audit tables against the
// real api and worker binaries; each row is a subtest, and each checks the audit rows
// its state-changing calls wrote.
func TestIdentityAPI(t *testing.T) {
	t.Parallel()
	s := newStack(t, idGenerousLimits...)
	api := s.start("api")
	s.start("worker")
	w := &idWorld{s: s, api: api.URL, db: idDB(t, s), mail: idNewMailbox(s)}
	w.admin = idCreateAdmin(t, s, w.api)

	t.Run("auth", func(t *testing.T) {
		for name, fn := range map[string]func(*testing.T, *idWorld){
			"POST register":               idTestRegister,
			"POST login":                  idTestLogin,
			"POST refresh":                idTestRefresh,
			"POST refresh rotation":       idTestRefreshRotation,
			"POST logout":                 idTestLogout,
			"POST logout-all":             idTestLogoutAll,
			"GET me":                      idTestAuthMe,
			"GET sessions":                idTestSessions,
			"DELETE sessions id":          idTestRevokeSession,
			"POST password":               idTestChangePassword,
			"POST password forgot":        idTestForgot,
			"POST password reset":         idTestReset,
			"POST email verify request":   idTestVerifyRequest,
			"POST email verify":           idTestVerify,
			"language negotiation":        idTestLanguage,
			"signed-in user's own locale": idTestUserLocale,
		} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				fn(t, w)
			})
		}
	})
	t.Run("users", func(t *testing.T) {
		for name, fn := range map[string]func(*testing.T, *idWorld){
			"GET me":             idTestUsersMe,
			"PATCH me":           idTestUsersPatchMe,
			"GET list":           idTestUsersList,
			"GET list paging":    idTestUsersPaging,
			"GET id":             idTestUsersGet,
			"PATCH id":           idTestUsersPatch,
			"DELETE id":          idTestUsersDelete,
			"admin routes only":  idTestAdminOnly,
			"control characters": idTestControlCharacters,
			"deleted account":    idTestDeletedAccount,
		} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				fn(t, w)
			})
		}
	})
	t.Run("audit", func(t *testing.T) {
		t.Run("GET audit-logs filters", func(t *testing.T) {
			t.Parallel()
			idTestAuditFilters(t, w)
		})
	})
}

// user signs a fresh user up and returns the session.
func (w *idWorld) user(t *testing.T, prefix, locale string) idSession {
	t.Helper()
	return idNewUser(t, w.api, prefix, locale)
}

// asAdmin sends a request with the administrator's token.
func (w *idWorld) asAdmin(t *testing.T, method, path string, body any, headers ...string) response {
	t.Helper()
	return do(t, method, w.api+path, body, idHeaders(idBearer(w.admin.Access), headers)...)
}

// as sends a request with sess's token.
func (w *idWorld) as(t *testing.T, sess idSession, method, path string, body any, headers ...string) response {
	t.Helper()
	return do(t, method, w.api+path, body, idHeaders(idBearer(sess.Access), headers)...)
}

// setStatus has the administrator set a user's status (200).
func (w *idWorld) setStatus(t *testing.T, userID, status string) {
	t.Helper()
	r := w.asAdmin(t, http.MethodPatch, "/v1/users/"+userID, map[string]any{"status": status})
	if r.Status != http.StatusOK {
		t.Fatalf("PATCH status=%s: %d %s", status, r.Status, r.Body)
	}
}
