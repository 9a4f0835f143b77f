package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/testkit/proctest"
)

// idRevocationDeadline is how soon a revocation on one api instance must be seen by
// another (API.md: a revoked session is refused on every instance).
const idRevocationDeadline = time.Second

// TestIdentityRevocationAcrossInstances: two api processes share the database and the
// Redis prefix. After each way of ending a session on instance A, the access token that
// instance B had just accepted (and cached: AUTH_SESSION_CACHE_TTL is 5 s) is refused
// by B within a second.
func TestIdentityRevocationAcrossInstances(t *testing.T) {
	t.Parallel()
	// A long cache lifetime: only the broadcast can make B forget a session in time.
	s := newStack(t, append([]string{"AUTH_SESSION_CACHE_TTL=30s"}, idGenerousLimits...)...)
	a, b := s.start("api"), s.start("api")
	s.start("worker")
	// Until B's invalidation subscription is up it trusts its cache only 500 ms, which
	// would make this test pass without Redis fan-out working at all.
	for _, n := range []*node{a, b} {
		proctest.WaitOutput(t, n.Process, "session invalidations subscribed", startTimeout)
	}
	w := &idWorld{s: s, api: a.URL, db: idDB(t, s), mail: idNewMailbox(s)}
	w.admin = idCreateAdmin(t, s, a.URL)

	// revoked warms B with victim's token, runs act on A, then polls B until it refuses
	// the token, within idRevocationDeadline.
	revoked := func(t *testing.T, victim idSession, act func() response, wantStatus int) {
		t.Helper()
		for range 3 { // the first call fills B's cache, the next ones are served from it
			idWantAccepted(t, b.URL, victim.Access)
		}
		if r := act(); r.Status != wantStatus {
			t.Fatalf("action on A: %d, want %d\n%s", r.Status, wantStatus, r.Body)
		}
		latency, ok := idPoll(idRevocationDeadline, 2*time.Millisecond, func() bool {
			return idMe(t, b.URL, victim.Access).Status == http.StatusUnauthorized
		})
		if !ok {
			t.Fatalf("instance B still accepts the token %s after the revocation on A", latency)
		}
		t.Logf("revocation seen on instance B after %s", latency.Round(100*time.Microsecond))
		idWantRefused(t, a.URL, victim.Access)
	}
	post := func(sess idSession, path string, body any) func() response {
		return func() response { return do(t, http.MethodPost, a.URL+path, body, idBearer(sess.Access)...) }
	}

	t.Run("control: B caches session states", func(t *testing.T) {
		// A revocation written behind the service's back (no broadcast) is not seen by B
		// while its cached answer lasts: what the subtests below measure is the broadcast.
		u := w.user(t, "x-control", "")
		idWantAccepted(t, b.URL, u.Access)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := w.db.Exec(ctx, "UPDATE sessions SET revoked_at = now(), revoke_reason = 'test' WHERE id = $1", u.SessionID); err != nil {
			t.Fatal(err)
		}
		idWantAccepted(t, b.URL, u.Access)
		idWantRefused(t, a.URL, u.Access) // A never asked: it reads the database
	})
	t.Run("logout", func(t *testing.T) {
		u := w.user(t, "x-logout", "")
		revoked(t, u, post(u, "/v1/auth/logout", nil), http.StatusNoContent)
	})
	t.Run("logout-all", func(t *testing.T) {
		u := w.user(t, "x-logoutall", "")
		other := idLogin(t, a.URL, u.Email, u.Password)
		revoked(t, other, post(u, "/v1/auth/logout-all", nil), http.StatusNoContent)
	})
	t.Run("password change", func(t *testing.T) {
		u := w.user(t, "x-chpw", "")
		other := idLogin(t, a.URL, u.Email, u.Password)
		revoked(t, other, post(u, "/v1/auth/password", map[string]any{"currentPassword": u.Password, "newPassword": "changed-pw-123"}), http.StatusNoContent)
		idWantAccepted(t, b.URL, u.Access) // the session that changed it stays
	})
	t.Run("password reset", func(t *testing.T) {
		u := w.user(t, "x-reset", "")
		token := w.resetToken(t, u.Email)
		revoked(t, u, func() response {
			return do(t, http.MethodPost, a.URL+"/v1/auth/password/reset", map[string]any{"token": token, "newPassword": "reset-pw-1234"})
		}, http.StatusNoContent)
	})
	t.Run("admin disables the user", func(t *testing.T) {
		u := w.user(t, "x-disable", "")
		revoked(t, u, func() response {
			return do(t, http.MethodPatch, a.URL+"/v1/users/"+u.UserID, map[string]any{"status": "disabled"}, idBearer(w.admin.Access)...)
		}, http.StatusOK)
	})
	t.Run("admin deletes the user", func(t *testing.T) {
		u := w.user(t, "x-delete", "")
		revoked(t, u, func() response {
			return do(t, http.MethodDelete, a.URL+"/v1/users/"+u.UserID, nil, idBearer(w.admin.Access)...)
		}, http.StatusNoContent)
	})
	t.Run("session revoked", func(t *testing.T) {
		u := w.user(t, "x-session", "")
		other := idLogin(t, a.URL, u.Email, u.Password)
		revoked(t, other, func() response {
			return do(t, http.MethodDelete, a.URL+"/v1/auth/sessions/"+other.SessionID, nil, idBearer(u.Access)...)
		}, http.StatusNoContent)
	})
	t.Run("refresh token reused", func(t *testing.T) {
		u := w.user(t, "x-reuse", "")
		next := idTokenPair(t, do(t, http.MethodPost, a.URL+"/v1/auth/refresh", map[string]any{"refreshToken": u.Refresh}), http.StatusOK, false)
		revoked(t, next, func() response {
			return do(t, http.MethodPost, a.URL+"/v1/auth/refresh", map[string]any{"refreshToken": u.Refresh})
		}, http.StatusUnauthorized)
	})
	t.Run("signing key rotation", func(t *testing.T) {
		// An instance that signs with a new key and still verifies with the old one
		// accepts the tokens the others issued: a rotation signs nobody out.
		c := s.start("api", "AUTH_JWT_KEYS=k2:"+strings.Repeat("Um90YXRlZC1rZXkt", 4)+","+config.DevJWTKeys)
		u := w.user(t, "x-rotate", "")
		idWantAccepted(t, c.URL, u.Access)
		fresh := idLogin(t, c.URL, u.Email, u.Password)
		if kid := idClaims(t, fresh.Access)["header.kid"]; kid != "k2" {
			t.Fatalf("new tokens signed with key %v, want k2", kid)
		}
		idWantAccepted(t, c.URL, fresh.Access)
		idWantRefused(t, a.URL, fresh.Access) // A does not know k2 yet
	})
	t.Run("role change applies on B", func(t *testing.T) {
		u := w.user(t, "x-role", "")
		for range 2 {
			idProblem(t, do(t, http.MethodGet, b.URL+"/v1/users", nil, idBearer(u.Access)...), http.StatusForbidden, "forbidden", "en")
		}
		r := do(t, http.MethodPatch, a.URL+"/v1/users/"+u.UserID, map[string]any{"role": "admin"}, idBearer(w.admin.Access)...)
		if r.Status != http.StatusOK {
			t.Fatalf("promote: %d %s", r.Status, r.Body)
		}
		latency, ok := idPoll(idRevocationDeadline, 2*time.Millisecond, func() bool {
			return do(t, http.MethodGet, b.URL+"/v1/users", nil, idBearer(u.Access)...).Status == http.StatusOK
		})
		if !ok {
			t.Fatalf("instance B still applies the old role after %s", latency)
		}
		t.Logf("role change seen on instance B after %s", latency.Round(100*time.Microsecond))
	})
}
