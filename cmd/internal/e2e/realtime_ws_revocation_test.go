package e2e_test

import (
	"net/http"
	"testing"
	"time"
)

// TestWSRevokedSessionsClosed is acceptance point 6: logout, logout-all, a password
// change and an administrator disabling the account close the sockets of the sessions
// they end with 4401, on every instance, within 2 s; other sessions' sockets stay open.
func TestWSRevokedSessionsClosed(t *testing.T) {
	t.Parallel()
	s := newStack(t, idGenerousLimits...)
	a, b := s.start("api"), s.start("api")
	s.start("worker")
	admin := idCreateAdmin(t, s, a.URL)

	// open connects the session on both instances.
	open := func(sess idSession) [2]*wsClient {
		return [2]*wsClient{wsConnect(t, a.URL, sess.Access), wsConnect(t, b.URL, sess.Access)}
	}
	wantClosed := func(what string, conns ...[2]*wsClient) {
		t.Helper()
		start := time.Now()
		for _, pair := range conns {
			for i, c := range pair {
				if code := c.Closed(2*time.Second - time.Since(start)); code != 4401 {
					t.Fatalf("%s: socket on instance %d closed with %d, want 4401", what, i, code)
				}
			}
		}
		t.Logf("%s: every socket closed with 4401 within %s", what, time.Since(start))
	}
	wantOpen := func(what string, pair [2]*wsClient) {
		t.Helper()
		for _, c := range pair {
			c.Send(map[string]string{"type": "ping"})
			for f := c.Next(2 * time.Second); f.Type != "pong"; f = c.Next(2 * time.Second) {
				if f.Type != "event" {
					t.Fatalf("%s: the other session's socket answered %+v", what, f)
				}
			}
		}
	}

	// Logout: that session only.
	u := idNewUser(t, a.URL, "wslogout", "")
	other := idLogin(t, a.URL, u.Email, u.Password)
	mine, theirs := open(u), open(other)
	idStatus(t, do(t, http.MethodPost, a.URL+"/v1/auth/logout", nil, idBearer(u.Access)...), http.StatusNoContent)
	wantClosed("logout", mine)
	wantOpen("logout", theirs)

	// Logout-all: every session of the account.
	second := idLogin(t, a.URL, u.Email, u.Password)
	both := open(second)
	idStatus(t, do(t, http.MethodPost, b.URL+"/v1/auth/logout-all", nil, idBearer(other.Access)...), http.StatusNoContent)
	wantClosed("logout-all", theirs, both)

	// A password change ends every other session.
	v := idNewUser(t, a.URL, "wspassword", "")
	rest := idLogin(t, a.URL, v.Email, v.Password)
	kept, ended := open(v), open(rest)
	idStatus(t, do(t, http.MethodPost, a.URL+"/v1/auth/password",
		map[string]string{"currentPassword": v.Password, "newPassword": "a-new-password-1"}, idBearer(v.Access)...), http.StatusNoContent)
	wantClosed("password change", ended)
	wantOpen("password change", kept)

	// An administrator disables the account.
	w := idNewUser(t, a.URL, "wsdisabled", "")
	disabled := open(w)
	idStatus(t, do(t, http.MethodPatch, b.URL+"/v1/users/"+w.UserID, map[string]string{"status": "disabled"},
		idBearer(admin.Access)...), http.StatusOK)
	wantClosed("account disabled", disabled)
}
