package e2e_test

import (
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/tokens"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/config"
)

// The rows of API.md's Auth table; TestIdentityAPI runs them on its shared stack.

func idTestRegister(t *testing.T, w *idWorld) {
	email := idEmail("Reg")
	mixed := strings.ToUpper(email[:3]) + email[3:]
	r := do(t, http.MethodPost, w.api+"/v1/auth/register",
		map[string]any{"email": mixed, "password": "register-pw-1", "name": "  Rita Register ", "locale": "de"})
	sess := idTokenPair(t, r, http.StatusCreated, true)
	u := r.JSON(t)["user"].(map[string]any)
	want := map[string]any{"email": strings.ToLower(email), "name": "Rita Register", "role": "user", "status": "active", "locale": "de", "emailVerified": false}
	for k, v := range want {
		if u[k] != v {
			t.Errorf("user.%s = %v, want %v", k, u[k], v)
		}
	}
	if _, err := uuid.Parse(sess.UserID); err != nil {
		t.Fatalf("user id %q: %v", sess.UserID, err)
	}
	if c := idCookie(r, "keel_refresh"); c == nil || c.Value != sess.Refresh || c.Path != "/v1/auth" || !c.HttpOnly ||
		c.SameSite != http.SameSiteLaxMode || c.Secure {
		t.Fatalf("refresh cookie = %+v, want the refresh token, Path=/v1/auth, HttpOnly, SameSite=Lax, not Secure", c)
	}
	idWantAccepted(t, w.api, sess.Access)
	idWantAudit(t, w.db, r,
		idAuditWant{Action: "user.registered", Entity: "user", EntityID: sess.UserID, ActorID: sess.UserID,
			Changes: idChange("email", nil, strings.ToLower(email), "name", nil, "Rita Register", "role", nil, "user", "locale", nil, "de")},
		idAuditWant{Action: "auth.login", Entity: "session", EntityID: sess.SessionID, ActorID: sess.UserID, Changes: map[string]any{}},
	)

	t.Run("default locale en", func(t *testing.T) {
		s := idRegister(t, w.api, idEmail("reg"), "register-pw-2", "Noloc", "")
		if loc := idMe(t, w.api, s.Access).JSON(t)["locale"]; loc != "en" {
			t.Fatalf("locale = %v, want en", loc)
		}
	})
	t.Run("409 email_taken", func(t *testing.T) {
		r := do(t, http.MethodPost, w.api+"/v1/auth/register",
			map[string]any{"email": strings.ToLower(email), "password": "another-pw-1", "name": "Copy"})
		idProblem(t, r, http.StatusConflict, "email_taken", "en")
		idWantAudit(t, w.db, r)
		r = do(t, http.MethodPost, w.api+"/v1/auth/register?lang=de",
			map[string]any{"email": mixed, "password": "another-pw-1", "name": "Copy"})
		idProblem(t, r, http.StatusConflict, "email_taken", "de")
	})
	t.Run("400 field errors", func(t *testing.T) {
		body := map[string]any{"email": "not-an-email", "password": "short", "name": ""}
		r := do(t, http.MethodPost, w.api+"/v1/auth/register", body)
		p := idProblem(t, r, http.StatusBadRequest, "validation_failed", "en")
		idWantFields(t, p, "en", map[string]string{"email": "invalid_email", "password": "invalid_password", "name": "required"})
		if p["detail"] != "The request has 3 invalid fields." {
			t.Errorf("detail = %q", p["detail"])
		}
		r = do(t, http.MethodPost, w.api+"/v1/auth/register", body, "Accept-Language", "de-DE,de;q=0.9")
		p = idProblem(t, r, http.StatusBadRequest, "validation_failed", "de")
		idWantFields(t, p, "de", map[string]string{"email": "invalid_email", "password": "invalid_password", "name": "required"})
		if p["title"] != "Validierung fehlgeschlagen" || p["detail"] != "Die Anfrage enthält 3 ungültige Felder." {
			t.Errorf("de title/detail = %q / %q", p["title"], p["detail"])
		}
		r = do(t, http.MethodPost, w.api+"/v1/auth/register",
			map[string]any{"email": idEmail("reg"), "password": strings.Repeat("x", 129), "name": "N", "locale": "fr"})
		idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en",
			map[string]string{"password": "invalid_password", "locale": "invalid_locale"})
		r = do(t, http.MethodPost, w.api+"/v1/auth/register",
			map[string]any{"email": idEmail("reg"), "password": "register-pw-3", "name": "N", "role": "admin"})
		idProblem(t, r, http.StatusBadRequest, "unknown_field", "en")
		r = do(t, http.MethodPost, w.api+"/v1/auth/register", `{"email":`)
		idProblem(t, r, http.StatusBadRequest, "invalid_json", "en")
		r = do(t, http.MethodPost, w.api+"/v1/auth/register", "email=x", "Content-Type", "application/x-www-form-urlencoded")
		idProblem(t, r, http.StatusUnsupportedMediaType, "unsupported_media_type", "en")
		idWantAudit(t, w.db, r)
	})
}

func idTestLogin(t *testing.T, w *idWorld) {
	u := w.user(t, "login", "")
	r := do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": strings.ToUpper(u.Email), "password": u.Password})
	sess := idTokenPair(t, r, http.StatusOK, true)
	if sess.UserID != u.UserID || sess.SessionID == u.SessionID {
		t.Fatalf("login gave user %s session %s; want user %s in a new session", sess.UserID, sess.SessionID, u.UserID)
	}
	if c := idCookie(r, "keel_refresh"); c == nil || c.Value != sess.Refresh {
		t.Fatalf("login did not set the refresh cookie")
	}
	idWantAudit(t, w.db, r, idAuditWant{Action: "auth.login", Entity: "session", EntityID: sess.SessionID, ActorID: u.UserID, Changes: map[string]any{}})

	t.Run("401 invalid_credentials, same for an unknown e-mail", func(t *testing.T) {
		wrong := do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": u.Email, "password": "wrong-password"})
		unknown := do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": idEmail("nobody"), "password": "wrong-password"})
		pw := idProblem(t, wrong, http.StatusUnauthorized, "invalid_credentials", "en")
		pu := idProblem(t, unknown, http.StatusUnauthorized, "invalid_credentials", "en")
		delete(pw, "requestId")
		delete(pu, "requestId")
		if !maps.EqualFunc(pw, pu, func(a, b any) bool { return a == b }) {
			t.Fatalf("wrong password and unknown e-mail answer differently:\n%v\n%v", pw, pu)
		}
		for _, h := range []string{"Content-Type", "Content-Language", "Cache-Control", "WWW-Authenticate", "Set-Cookie"} {
			if wrong.Header.Get(h) != unknown.Header.Get(h) {
				t.Errorf("header %s: %q vs %q", h, wrong.Header.Get(h), unknown.Header.Get(h))
			}
		}
		idWantAudit(t, w.db, wrong)
		idWantAudit(t, w.db, unknown)
		de := do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": u.Email, "password": "wrong-password"}, "Accept-Language", "de")
		if p := idProblem(t, de, http.StatusUnauthorized, "invalid_credentials", "de"); p["title"] != "Ungültige Anmeldedaten" {
			t.Fatalf("de title = %q", p["title"])
		}
	})
	t.Run("403 account_disabled", func(t *testing.T) {
		d := w.user(t, "disabled", "")
		w.setStatus(t, d.UserID, "disabled")
		r := do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": d.Email, "password": d.Password})
		idProblem(t, r, http.StatusForbidden, "account_disabled", "en")
		idWantAudit(t, w.db, r)
		// Only the right password learns that the account is disabled.
		r = do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{"email": d.Email, "password": "wrong-password"})
		idProblem(t, r, http.StatusUnauthorized, "invalid_credentials", "en")
		w.setStatus(t, d.UserID, "active")
		idLogin(t, w.api, d.Email, d.Password)
	})
	t.Run("400 missing fields", func(t *testing.T) {
		r := do(t, http.MethodPost, w.api+"/v1/auth/login", map[string]any{})
		idWantFields(t, idProblem(t, r, http.StatusBadRequest, "validation_failed", "en"), "en",
			map[string]string{"email": "required", "password": "required"})
	})
}

func idTestRefresh(t *testing.T, w *idWorld) {
	t.Run("body", func(t *testing.T) {
		u := w.user(t, "refresh", "")
		r := do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": u.Refresh})
		next := idTokenPair(t, r, http.StatusOK, false)
		if next.Refresh == u.Refresh || next.Access == u.Access || next.SessionID != u.SessionID || next.UserID != u.UserID {
			t.Fatalf("refresh gave %+v, want new tokens of the same session", next)
		}
		idWantAccepted(t, w.api, next.Access)
		idWantAudit(t, w.db, r, idAuditWant{Action: "auth.token_refreshed", Entity: "session", EntityID: u.SessionID, ActorID: u.UserID, Changes: map[string]any{}})
		// The spent token is refused (the rotation subtest covers its reuse).
		idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": u.Refresh}),
			http.StatusUnauthorized, "refresh_token_reused", "en")
	})
	t.Run("cookie with an allowed Origin", func(t *testing.T) {
		u := w.user(t, "cookie", "")
		for i, body := range []any{nil, "{}"} {
			r := do(t, http.MethodPost, w.api+"/v1/auth/refresh", body, "Cookie", u.Cookie, "Origin", "http://localhost:3000")
			next := idTokenPair(t, r, http.StatusOK, false)
			c := idCookie(r, "keel_refresh")
			if c == nil || c.Value != next.Refresh || c.Path != "/v1/auth" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Fatalf("round %d: rotated cookie = %+v", i, c)
			}
			if r.Header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
				t.Errorf("CORS headers: %v", r.Header)
			}
			u.Cookie = c.Name + "=" + c.Value
		}
	})
	t.Run("403 origin_not_allowed", func(t *testing.T) {
		u := w.user(t, "origin", "")
		for _, origin := range []string{"https://evil.example", ""} {
			h := []string{"Cookie", u.Cookie}
			if origin != "" {
				h = append(h, "Origin", origin)
			}
			idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", nil, h...), http.StatusForbidden, "origin_not_allowed", "en")
		}
		// The refused request spent nothing.
		r := do(t, http.MethodPost, w.api+"/v1/auth/refresh", nil, "Cookie", u.Cookie, "Origin", "http://127.0.0.1:5173", "Accept-Language", "de")
		idTokenPair(t, r, http.StatusOK, false)
		r = do(t, http.MethodPost, w.api+"/v1/auth/refresh", nil, "Cookie", u.Cookie, "Origin", "https://evil.example", "Accept-Language", "de")
		idProblem(t, r, http.StatusForbidden, "origin_not_allowed", "de")
	})
	t.Run("401 invalid_refresh_token", func(t *testing.T) {
		idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": "bogus-" + idRandom(32)}),
			http.StatusUnauthorized, "invalid_refresh_token", "en")
		idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", nil), http.StatusUnauthorized, "invalid_refresh_token", "en")
	})
}

// idTestRefreshRotation: a replayed refresh token is answered 401 refresh_token_reused
// and ends the whole family, including its newest tokens; other logins stay.
func idTestRefreshRotation(t *testing.T, w *idWorld) {
	u := w.user(t, "rotate", "")
	other := idLogin(t, w.api, u.Email, u.Password)
	refresh := func(token string) response {
		return do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": token})
	}
	second := idTokenPair(t, refresh(u.Refresh), http.StatusOK, false)
	third := idTokenPair(t, refresh(second.Refresh), http.StatusOK, false)
	idWantAccepted(t, w.api, third.Access)

	r := refresh(u.Refresh)
	p := idProblem(t, r, http.StatusUnauthorized, "refresh_token_reused", "en")
	if p["title"] != "Refresh token reused" {
		t.Fatalf("title = %q", p["title"])
	}
	idWantAudit(t, w.db, r, idAuditWant{Action: "auth.refresh_token_reused", Entity: "session", EntityID: u.SessionID, ActorID: u.UserID})
	idProblem(t, refresh(third.Refresh), http.StatusUnauthorized, "invalid_refresh_token", "en")
	idProblem(t, refresh(second.Refresh), http.StatusUnauthorized, "refresh_token_reused", "en")
	for _, tok := range []string{u.Access, second.Access, third.Access} {
		idWantRefused(t, w.api, tok)
	}
	idWantAccepted(t, w.api, other.Access)
	idTokenPair(t, refresh(other.Refresh), http.StatusOK, false)

	t.Run("concurrent use of one token", func(t *testing.T) {
		// Clients racing with the same refresh token: at most one wins, the others are a
		// reuse, which ends the family, the winner's new tokens included.
		u := w.user(t, "race", "")
		const n = 6
		answers := make([]response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { answers[i] = refresh(u.Refresh) })
		}
		wg.Wait()
		var won []idSession
		for _, r := range answers {
			switch r.Status {
			case http.StatusOK:
				won = append(won, idTokenPair(t, r, http.StatusOK, false))
			case http.StatusUnauthorized:
				idProblem(t, r, http.StatusUnauthorized, "refresh_token_reused", "en")
			default:
				t.Fatalf("concurrent refresh: %d %s", r.Status, r.Body)
			}
		}
		if len(won) > 1 {
			t.Fatalf("%d concurrent refreshes with one token succeeded", len(won))
		}
		for _, s := range won {
			idWantRefused(t, w.api, s.Access)
			idProblem(t, refresh(s.Refresh), http.StatusUnauthorized, "invalid_refresh_token", "en")
		}
		idWantRefused(t, w.api, u.Access)
	})
}

func idTestLogout(t *testing.T, w *idWorld) {
	u := w.user(t, "logout", "")
	other := idLogin(t, w.api, u.Email, u.Password)
	r := w.as(t, u, http.MethodPost, "/v1/auth/logout", nil)
	idStatus(t, r, http.StatusNoContent)
	if c := idCookie(r, "keel_refresh"); c == nil || c.Value != "" || c.Path != "/v1/auth" {
		t.Errorf("logout should clear the refresh cookie, got %+v", c)
	}
	idWantAudit(t, w.db, r, idAuditWant{Action: "auth.logout", Entity: "session", EntityID: u.SessionID, ActorID: u.UserID})
	idWantRefused(t, w.api, u.Access)
	idWantAccepted(t, w.api, other.Access)
	idProblem(t, w.as(t, u, http.MethodPost, "/v1/auth/logout", nil), http.StatusUnauthorized, "unauthenticated", "en")
	idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/logout", nil), http.StatusUnauthorized, "unauthenticated", "en")
	idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": u.Refresh}),
		http.StatusUnauthorized, "invalid_refresh_token", "en")
}

func idTestLogoutAll(t *testing.T, w *idWorld) {
	u := w.user(t, "logoutall", "")
	s2 := idLogin(t, w.api, u.Email, u.Password)
	s3 := idLogin(t, w.api, u.Email, u.Password)
	bystander := w.user(t, "bystander", "")
	r := w.as(t, s2, http.MethodPost, "/v1/auth/logout-all", nil)
	idStatus(t, r, http.StatusNoContent)
	idWantAudit(t, w.db, r, idAuditWant{Action: "auth.logout_all", Entity: "user", EntityID: u.UserID, ActorID: u.UserID})
	for _, s := range []idSession{u, s2, s3} {
		idWantRefused(t, w.api, s.Access)
		idProblem(t, do(t, http.MethodPost, w.api+"/v1/auth/refresh", map[string]any{"refreshToken": s.Refresh}),
			http.StatusUnauthorized, "invalid_refresh_token", "en")
	}
	idWantAccepted(t, w.api, bystander.Access)
	idProblem(t, w.as(t, u, http.MethodPost, "/v1/auth/logout-all", nil), http.StatusUnauthorized, "unauthenticated", "en")
}

// idForge signs an access token with the development key ring the stack runs with.
func idForge(t *testing.T, sess idSession, keySpec string, issued time.Time, ttl time.Duration) string {
	t.Helper()
	keys, err := tokens.ParseKeys(keySpec)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := tokens.New(keys, "keel", "keel-api", 0, func() time.Time { return issued })
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Issue(auth.Claims{
		UserID: uuid.MustParse(sess.UserID), SessionID: uuid.MustParse(sess.SessionID), Role: kernel.RoleUser,
		IssuedAt: issued, ExpiresAt: issued.Add(ttl),
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func idTestAuthMe(t *testing.T, w *idWorld) {
	u := w.user(t, "me", "es")
	r := idMe(t, w.api, u.Access)
	if r.Status != http.StatusOK {
		t.Fatalf("GET me = %d %s", r.Status, r.Body)
	}
	me := r.JSON(t)
	idWantUser(t, me)
	if me["id"] != u.UserID || me["email"] != u.Email || me["locale"] != "es" {
		t.Fatalf("me = %v", me)
	}
	// A token forged with the stack's key and a current time is accepted: the refused
	// ones below fail for the one reason each names.
	idWantAccepted(t, w.api, idForge(t, u, config.DevJWTKeys, time.Now(), time.Minute))
	otherKey := "other:" + strings.Repeat("QUJD", 12)
	cases := map[string][]string{
		"missing":      nil,
		"not bearer":   {"Authorization", "Basic dXNlcjpwdw=="},
		"garbage":      idBearer("not.a.jwt"),
		"other key":    idBearer(idForge(t, u, otherKey, time.Now(), time.Minute)),
		"expired":      idBearer(idForge(t, u, config.DevJWTKeys, time.Now().Add(-time.Hour), 15*time.Minute)),
		"tampered sig": idBearer(idTamper(u.Access)),
	}
	for name, h := range cases {
		t.Run("401 "+name, func(t *testing.T) {
			r := do(t, http.MethodGet, w.api+"/v1/auth/me", nil, h...)
			idProblem(t, r, http.StatusUnauthorized, "unauthenticated", "en")
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("no WWW-Authenticate")
			}
		})
	}
	t.Run("401 revoked", func(t *testing.T) {
		s := idLogin(t, w.api, u.Email, u.Password)
		idWantAccepted(t, w.api, s.Access)
		idStatus(t, w.as(t, s, http.MethodPost, "/v1/auth/logout", nil), http.StatusNoContent)
		// Language from the request wins over the user's locale (es).
		idProblem(t, idMe(t, w.api, s.Access, "Accept-Language", "de"), http.StatusUnauthorized, "unauthenticated", "de")
	})
}

func idTestSessions(t *testing.T, w *idWorld) {
	u := w.user(t, "sessions", "")
	s2 := idLogin(t, w.api, u.Email, u.Password, "User-Agent", "agent-B/1.0")
	r := w.as(t, s2, http.MethodGet, "/v1/auth/sessions", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET sessions = %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	if len(m) != 1 {
		t.Fatalf("sessions answer has members %v, want only data", m)
	}
	list := m["data"].([]any)
	if len(list) != 2 {
		t.Fatalf("%d sessions, want 2: %s", len(list), r.Body)
	}
	current := 0
	for _, e := range list {
		s := e.(map[string]any)
		if len(s) != 6 {
			t.Fatalf("session members %v, want id, createdAt, lastUsedAt, userAgent, ip, current", s)
		}
		for _, k := range []string{"createdAt", "lastUsedAt"} {
			if _, err := time.Parse(time.RFC3339Nano, s[k].(string)); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
		}
		if s["ip"] != "127.0.0.1" {
			t.Errorf("ip = %v", s["ip"])
		}
		switch s["id"] {
		case s2.SessionID:
			if s["current"] != true || s["userAgent"] != "agent-B/1.0" {
				t.Errorf("current session = %v", s)
			}
			current++
		case u.SessionID:
			if s["current"] != false {
				t.Errorf("other session = %v", s)
			}
		default:
			t.Errorf("unknown session %v", s["id"])
		}
	}
	if current != 1 {
		t.Fatalf("%d current sessions, want 1", current)
	}
	idProblem(t, do(t, http.MethodGet, w.api+"/v1/auth/sessions", nil), http.StatusUnauthorized, "unauthenticated", "en")
}

func idTestRevokeSession(t *testing.T, w *idWorld) {
	u := w.user(t, "revoke", "")
	s2 := idLogin(t, w.api, u.Email, u.Password)
	stranger := w.user(t, "stranger", "")

	r := w.as(t, stranger, http.MethodDelete, "/v1/auth/sessions/"+u.SessionID, nil)
	idProblem(t, r, http.StatusNotFound, "not_found", "en")
	idWantAudit(t, w.db, r)
	idWantAccepted(t, w.api, u.Access)

	r = w.as(t, u, http.MethodDelete, "/v1/auth/sessions/"+s2.SessionID, nil)
	idStatus(t, r, http.StatusNoContent)
	idWantAudit(t, w.db, r, idAuditWant{Action: "auth.session_revoked", Entity: "session", EntityID: s2.SessionID, ActorID: u.UserID})
	idWantRefused(t, w.api, s2.Access)
	idWantAccepted(t, w.api, u.Access)
	if n := len(w.as(t, u, http.MethodGet, "/v1/auth/sessions", nil).JSON(t)["data"].([]any)); n != 1 {
		t.Fatalf("%d sessions left, want 1", n)
	}
	idProblem(t, w.as(t, u, http.MethodDelete, "/v1/auth/sessions/"+s2.SessionID, nil), http.StatusNotFound, "not_found", "en")
	idProblem(t, w.as(t, u, http.MethodDelete, "/v1/auth/sessions/"+uuid.NewString(), nil), http.StatusNotFound, "not_found", "en")
	idProblem(t, w.as(t, u, http.MethodDelete, "/v1/auth/sessions/not-a-uuid", nil, "Accept-Language", "es"), http.StatusNotFound, "not_found", "es")
}

// idTamper changes one character in the middle of a token's signature.
func idTamper(token string) string {
	b := []byte(token)
	i := len(b) - 10
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
