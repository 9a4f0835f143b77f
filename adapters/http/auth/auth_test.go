package auth_test

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	httpauth "github.com/keelhq/keel/adapters/http/auth"
	"github.com/keelhq/keel/adapters/http/handlertest"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

const cookieName = "keel_refresh"

type fixture struct {
	*handlertest.Env
	ann    *user.User
	annAct ports.Actor
	annTok string
	// bobAct is another account's session.
	bobAct ports.Actor
}

// newFixture mounts the auth routes (vars override the test configuration) with one
// signed-in account, ann@example.com.
func newFixture(t *testing.T, vars map[string]string) *fixture {
	t.Helper()
	e := handlertest.New(t, vars)
	e.Mount((&httpauth.Handler{
		Auth: e.Auth, Registration: e.Registration, Verification: e.Verification, Users: e.Users,
		Throttle: e.Throttle, Origins: web.NewOrigins(e.Config.CORSAllowedOrigins), CookieMaxAge: handlertest.Lifetimes.Absolute,
	}).Routes()...)
	f := &fixture{Env: e}
	f.ann, f.annAct, f.annTok = e.Account(t, "ann@example.com", "Ann", "user")
	_, f.bobAct, _ = e.Account(t, "bob@example.com", "Bob", "user")
	return f
}

// otherSession signs ann in once more, from another device, and returns that session.
func (f *fixture) otherSession(t *testing.T) uuid.UUID {
	t.Helper()
	pair, _, err := f.Auth.Login(context.Background(), "ann@example.com", handlertest.Password, auth.Client{UserAgent: "phone", IP: "198.51.100.2"})
	if err != nil {
		t.Fatal(err)
	}
	return pair.SessionID
}

func post(path, body string) handlertest.Request {
	return handlertest.Request{Method: http.MethodPost, Path: "/v1/auth" + path, Body: body}
}

// wantPair checks a TokenPair answer: exactly its members (with the user on sign-up and
// sign-in), and the refresh cookie carrying the pair's refresh token, HttpOnly, scoped to
// /v1/auth and living as long as a session may.
func wantPair(t *testing.T, f *fixture, a handlertest.Answer, withUser bool, secure bool) map[string]any {
	t.Helper()
	body := a.JSON(t)
	keys := []string{"accessToken", "expiresIn", "refreshToken", "tokenType"}
	if withUser {
		keys = append(keys, "user")
	}
	slices.Sort(keys)
	if got := handlertest.Keys(body); !slices.Equal(got, keys) {
		t.Errorf("TokenPair members %v, want %v", got, keys)
	}
	if body["tokenType"] != "Bearer" || body["expiresIn"] != float64(handlertest.Lifetimes.Access/time.Second) ||
		body["accessToken"] == "" || body["refreshToken"] == "" {
		t.Errorf("TokenPair %v", body)
	}
	wantCookie(t, a, body["refreshToken"].(string), secure)
	return body
}

func wantCookie(t *testing.T, a handlertest.Answer, value string, secure bool) {
	t.Helper()
	c := a.Cookie(cookieName)
	if c == nil {
		t.Fatalf("no %s cookie: %v", cookieName, a.Header.Values("Set-Cookie"))
	}
	sameSite := http.SameSiteLaxMode
	if secure {
		sameSite = http.SameSiteNoneMode
	}
	if c.Value != value || !c.HttpOnly || c.Path != "/v1/auth" || c.Secure != secure || c.SameSite != sameSite ||
		c.MaxAge != int(handlertest.Lifetimes.Absolute/time.Second) {
		t.Errorf("cookie %s, want value %q HttpOnly Path=/v1/auth Secure=%v SameSite=%v Max-Age=%d",
			a.Header.Values("Set-Cookie"), value, secure, sameSite, int(handlertest.Lifetimes.Absolute/time.Second))
	}
}

// wantUser checks that got is exactly the `User` resource of rec.
func wantUser(t *testing.T, got any, rec user.Record) {
	t.Helper()
	if want := handlertest.UserResource(rec); !reflect.DeepEqual(got, want) {
		t.Errorf("user\n got %v\nwant %v", got, want)
	}
}

// byEmail returns the stored account with the address.
func (f *fixture) byEmail(t *testing.T, email string) *user.User {
	t.Helper()
	u, err := f.Repo.ByEmail(context.Background(), kernel.Email(email))
	if err != nil {
		t.Fatalf("account %s: %v", email, err)
	}
	return u
}

func TestAuthRegisterAndLogin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		req      handlertest.Request
		throttle bool
		status   int
		code     string
		fields   map[string]string
		// key is the throttle key the request must use ("" for none).
		key string
	}{
		{name: "sign up", req: post("/register", `{"email":" Carl@Example.com ","password":"long enough","name":"Carl","locale":"de"}`),
			status: http.StatusCreated, key: "register carl@example.com|0.0.0.0"},
		{name: "sign up with every field wrong", req: post("/register", `{"email":"nope","password":"short","name":""}`),
			status: http.StatusBadRequest, code: "validation_failed", key: "register nope|0.0.0.0",
			fields: map[string]string{"email": "invalid_email", "password": "invalid_password", "name": "required"}},
		{name: "sign up with control characters", req: post("/register", `{"email":"c@example.com","password":"long enough","name":"C\u001b[31m"}`),
			status: http.StatusBadRequest, code: "validation_failed", fields: map[string]string{"name": "invalid_characters"}},
		{name: "sign up with an unknown field", req: post("/register", `{"email":"c@example.com","password":"long enough","name":"C","role":"admin"}`),
			status: http.StatusBadRequest, code: "unknown_field"},
		{name: "sign up with a taken address", req: post("/register", `{"email":"ANN@example.com","password":"long enough","name":"Ann 2"}`),
			status: http.StatusConflict, code: "email_taken", key: "register ann@example.com|0.0.0.0"},
		{name: "sign up throttled", req: post("/register", `{"email":"carl@example.com","password":"long enough","name":"Carl"}`),
			throttle: true, status: http.StatusTooManyRequests, code: "too_many_attempts", key: "register carl@example.com|0.0.0.0"},
		{name: "sign in", req: post("/login", `{"email":"ann@EXAMPLE.com ","password":"`+handlertest.Password+`"}`),
			status: http.StatusOK, key: "login ann@example.com|0.0.0.0"},
		{name: "sign in with a wrong password", req: post("/login", `{"email":"ann@example.com","password":"wrong password"}`),
			status: http.StatusUnauthorized, code: "invalid_credentials", key: "login ann@example.com|0.0.0.0"},
		{name: "sign in throttled", req: post("/login", `{"email":"ann@example.com","password":"`+handlertest.Password+`"}`),
			throttle: true, status: http.StatusTooManyRequests, code: "too_many_attempts", key: "login ann@example.com|0.0.0.0"},
		{name: "sign in with nothing", req: post("/login", `{}`), status: http.StatusBadRequest, code: "validation_failed",
			fields: map[string]string{"email": "required", "password": "required"}, key: "login |0.0.0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			f.Throttle.Refuse(tc.throttle)
			sessions, written := len(f.Store.Sessions), f.Written(t)
			a := f.Do(t, tc.req)
			if a.Status != tc.status || a.Code != tc.code || !reflect.DeepEqual(a.Fields, tc.fields) {
				t.Fatalf("answer %d %q %v, want %d %q %v: %s", a.Status, a.Code, a.Fields, tc.status, tc.code, tc.fields, a.Body)
			}
			if keys := f.Throttle.Keys(); (tc.key == "" && len(keys) != 0) || (tc.key != "" && !slices.Equal(keys, []string{tc.key})) {
				t.Errorf("throttle keys %q, want %q", keys, tc.key)
			}
			if a.Status >= 400 {
				if n := len(f.Store.Sessions); n != sessions || f.Written(t) != written || a.Cookie(cookieName) != nil {
					t.Errorf("refused request left %d sessions (had %d), %d writes, cookie %v", n, sessions, f.Written(t)-written, a.Cookie(cookieName))
				}
				return
			}
			body := wantPair(t, f, a, true, false)
			email := "ann@example.com"
			if a.Status == http.StatusCreated {
				email = "carl@example.com"
				if loc := body["user"].(map[string]any)["locale"]; loc != "de" {
					t.Errorf("signed up with locale %v, asked for de", loc)
				}
			}
			wantUser(t, body["user"], f.byEmail(t, email).Record())
		})
	}
}

// refreshToken signs ann in once more and returns the refresh token.
func (f *fixture) refreshToken(t *testing.T) string {
	t.Helper()
	a := f.Do(t, post("/login", `{"email":"ann@example.com","password":"`+handlertest.Password+`"}`))
	if a.Status != http.StatusOK {
		t.Fatalf("sign in: %d %s", a.Status, a.Body)
	}
	return a.JSON(t)["refreshToken"].(string)
}

func TestAuthRefresh(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// body and cookie say where the token goes; origin is the Origin header.
		body, cookie bool
		origin       string
		status       int
		code         string
	}{
		{name: "token in the body", body: true, status: http.StatusOK},
		{name: "token in the body from any origin", body: true, origin: "https://evil.example", status: http.StatusOK},
		{name: "cookie from the allowed origin", cookie: true, origin: handlertest.AllowedOrigin, status: http.StatusOK},
		{name: "cookie from another origin", cookie: true, origin: "https://evil.example", status: http.StatusForbidden, code: "origin_not_allowed"},
		{name: "cookie from a look-alike origin", cookie: true, origin: handlertest.AllowedOrigin + ".evil.example", status: http.StatusForbidden, code: "origin_not_allowed"},
		{name: "cookie without an origin", cookie: true, status: http.StatusForbidden, code: "origin_not_allowed"},
		{name: "no token", status: http.StatusUnauthorized, code: "invalid_refresh_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			token := f.refreshToken(t)
			req := post("/refresh", "")
			if tc.body {
				req.Body = `{"refreshToken":"` + token + `"}`
			}
			if tc.cookie {
				req.Cookies = []*http.Cookie{{Name: cookieName, Value: token}}
			}
			if tc.origin != "" {
				req.Header = map[string]string{"Origin": tc.origin}
			}
			written := f.Written(t)
			a := f.Do(t, req)
			if a.Status != tc.status || a.Code != tc.code {
				t.Fatalf("answer %d %q, want %d %q: %s", a.Status, a.Code, tc.status, tc.code, a.Body)
			}
			if a.Status == http.StatusOK {
				body := wantPair(t, f, a, false, false)
				if body["refreshToken"] == token {
					t.Error("the refresh token was not rotated")
				}
				return
			}
			if f.Written(t) != written || a.Cookie(cookieName) != nil {
				t.Errorf("refused refresh wrote %d, cookie %v", f.Written(t)-written, a.Cookie(cookieName))
			}
			if tc.cookie { // the refused token was not spent: its owner may still use it
				again := f.Do(t, handlertest.Request{Method: http.MethodPost, Path: "/v1/auth/refresh", Body: `{"refreshToken":"` + token + `"}`})
				if again.Status != http.StatusOK {
					t.Errorf("the refused token no longer works: %d %s", again.Status, again.Body)
				}
			}
		})
	}
}

func TestAuthSignedInRoutes(t *testing.T) {
	t.Parallel()
	revoked := func(t *testing.T, f *fixture, id uuid.UUID, reason string) {
		t.Helper()
		if s := f.Store.Session(id); s.RevokedAt.IsZero() || s.RevokeReason != reason {
			t.Errorf("session %s: revoked at %v for %q, want revoked for %q", id, s.RevokedAt, s.RevokeReason, reason)
		}
	}
	cleared := func(t *testing.T, a handlertest.Answer) {
		t.Helper()
		c := a.Cookie(cookieName)
		expired := c != nil && (c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now())))
		if c == nil || c.Value != "" || !expired || c.Path != "/v1/auth" || !c.HttpOnly {
			t.Errorf("cookie not cleared: %v", a.Header.Values("Set-Cookie"))
		}
	}
	for _, tc := range []struct {
		name      string
		req       func(f *fixture, other uuid.UUID) handlertest.Request
		status    int
		code      string
		fields    map[string]string
		unchanged bool
		check     func(t *testing.T, f *fixture, other uuid.UUID, a handlertest.Answer)
	}{
		{name: "me", status: http.StatusOK,
			req: func(f *fixture, _ uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodGet, Path: "/v1/auth/me", Token: f.annTok}
			},
			check: func(t *testing.T, f *fixture, _ uuid.UUID, a handlertest.Answer) {
				wantUser(t, a.JSON(t), f.Stored(t, f.ann.ID()))
			}},
		{name: "me without credentials", status: http.StatusUnauthorized, code: "unauthenticated", unchanged: true,
			req: func(*fixture, uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodGet, Path: "/v1/auth/me"}
			}},
		{name: "sign out", status: http.StatusNoContent,
			req: func(f *fixture, _ uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodPost, Path: "/v1/auth/logout", Token: f.annTok}
			},
			check: func(t *testing.T, f *fixture, other uuid.UUID, a handlertest.Answer) {
				cleared(t, a)
				revoked(t, f, f.annAct.SessionID, "logout")
				if !f.Store.Session(other).RevokedAt.IsZero() {
					t.Error("signing out revoked another session")
				}
			}},
		{name: "sign out everywhere", status: http.StatusNoContent,
			req: func(f *fixture, _ uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodPost, Path: "/v1/auth/logout-all", Token: f.annTok}
			},
			check: func(t *testing.T, f *fixture, other uuid.UUID, a handlertest.Answer) {
				cleared(t, a)
				revoked(t, f, f.annAct.SessionID, "logout_all")
				revoked(t, f, other, "logout_all")
			}},
		{name: "revoke another of my sessions", status: http.StatusNoContent,
			req: func(f *fixture, other uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodDelete, Path: "/v1/auth/sessions/" + other.String(), Token: f.annTok}
			},
			check: func(t *testing.T, f *fixture, other uuid.UUID, a handlertest.Answer) {
				revoked(t, f, other, "revoked")
				if len(a.Body) != 0 {
					t.Errorf("204 with a body %q", a.Body)
				}
			}},
		{name: "revoke a malformed session id", status: http.StatusNotFound, code: "not_found", unchanged: true,
			req: func(f *fixture, _ uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodDelete, Path: "/v1/auth/sessions/not-a-uuid", Token: f.annTok}
			}},
		{name: "revoke someone else's session", status: http.StatusNotFound, code: "not_found", unchanged: true,
			req: func(f *fixture, _ uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodDelete, Path: "/v1/auth/sessions/" + f.bobAct.SessionID.String(), Token: f.annTok}
			}},
		{name: "change password", status: http.StatusNoContent,
			req: func(f *fixture, _ uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodPost, Path: "/v1/auth/password", Token: f.annTok,
					Body: `{"currentPassword":"` + handlertest.Password + `","newPassword":"a new password"}`}
			},
			check: func(t *testing.T, f *fixture, other uuid.UUID, a handlertest.Answer) {
				revoked(t, f, other, "password_changed")
				if !f.Store.Session(f.annAct.SessionID).RevokedAt.IsZero() {
					t.Error("changing the password revoked the current session")
				}
				if f.Store.Passwords[f.ann.ID()] != "hash:a new password" {
					t.Errorf("stored hash %q", f.Store.Passwords[f.ann.ID()])
				}
			}},
		{name: "change password with the API's field names", status: http.StatusBadRequest, code: "validation_failed", unchanged: true,
			fields: map[string]string{"currentPassword": "required", "newPassword": "invalid_password"},
			req: func(f *fixture, _ uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodPost, Path: "/v1/auth/password", Token: f.annTok,
					Body: `{"currentPassword":"","newPassword":"short"}`}
			}},
		{name: "change password with a wrong current one", status: http.StatusBadRequest, code: "invalid_current_password", unchanged: true,
			req: func(f *fixture, _ uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodPost, Path: "/v1/auth/password", Token: f.annTok,
					Body: `{"currentPassword":"not it at all","newPassword":"a new password"}`}
			}},
		{name: "ask for a verification e-mail", status: http.StatusAccepted,
			req: func(f *fixture, _ uuid.UUID) handlertest.Request {
				return handlertest.Request{Method: http.MethodPost, Path: "/v1/auth/email/verify/request", Token: f.annTok}
			},
			check: func(t *testing.T, f *fixture, _ uuid.UUID, a handlertest.Answer) {
				jobs := f.Jobs.Items()
				if len(jobs) != 1 || jobs[0] != (auth.SendEmailVerification{UserID: f.ann.ID()}) {
					t.Errorf("jobs %#v", jobs)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			other := f.otherSession(t)
			before, written, rec := f.Store.State(), f.Written(t), f.Stored(t, f.ann.ID())
			a := f.Do(t, tc.req(f, other))
			if a.Status != tc.status || a.Code != tc.code || !reflect.DeepEqual(a.Fields, tc.fields) {
				t.Fatalf("answer %d %q %v, want %d %q %v: %s", a.Status, a.Code, a.Fields, tc.status, tc.code, tc.fields, a.Body)
			}
			if tc.unchanged && (!f.Store.SameAs(before) || f.Written(t) != written || !reflect.DeepEqual(f.Stored(t, f.ann.ID()), rec)) {
				t.Errorf("refused request changed something (%d writes)", f.Written(t)-written)
			}
			if tc.check != nil {
				tc.check(t, f, other, a)
			}
		})
	}
}
