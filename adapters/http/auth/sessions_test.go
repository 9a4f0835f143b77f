package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	httpauth "github.com/keelhq/keel/adapters/http/auth"
	"github.com/keelhq/keel/adapters/http/handlertest"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/user"
)

// GET /v1/auth/sessions: {"data":[...]} of Session resources, newest first, the caller's
// own flagged current, revoked and idle-expired sessions left out.
func TestAuthSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.Clock.Advance(10 * time.Minute)
	phone := f.otherSession(t)
	f.Clock.Advance(10 * time.Minute)
	idle := f.otherSession(t)
	f.Clock.Advance(10 * time.Minute)
	gone := f.otherSession(t)
	if err := f.Auth.RevokeSession(context.Background(), f.annAct, gone); err != nil {
		t.Fatal(err)
	}
	// Later, only the sessions used within the idle lifetime (an hour) are active.
	f.Clock.Advance(55 * time.Minute)
	if err := f.Store.TouchSession(context.Background(), f.annAct.SessionID, f.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.TouchSession(context.Background(), phone, f.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if rec := f.Store.Session(idle); !rec.RevokedAt.IsZero() || !rec.ExpiresAt.After(f.Clock.Now()) {
		t.Fatalf("the idle session is revoked or past its absolute lifetime: %+v", rec)
	}

	a := f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/auth/sessions", Token: f.annTok})
	if a.Status != http.StatusOK {
		t.Fatalf("%d %s", a.Status, a.Body)
	}
	var body map[string][]map[string]any
	if err := json.Unmarshal(a.Body, &body); err != nil || len(body) != 1 || body["data"] == nil {
		t.Fatalf("sessions %s is not {\"data\":[...]}: %v", a.Body, err)
	}
	want := []map[string]any{session(f.Store.Session(phone), false), session(f.Store.Session(f.annAct.SessionID), true)}
	if !reflect.DeepEqual(body["data"], want) {
		t.Errorf("sessions\n got %v\nwant %v", body["data"], want)
	}

	if a := f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/auth/sessions"}); a.Status != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", a.Status)
	}
}

// session is the Session resource of rec as the API spells it.
func session(rec auth.SessionRecord, current bool) map[string]any {
	return map[string]any{
		"id": rec.ID.String(), "createdAt": rec.CreatedAt.UTC().Format(time.RFC3339Nano),
		"lastUsedAt": rec.LastUsedAt.UTC().Format(time.RFC3339Nano), "userAgent": rec.UserAgent, "ip": rec.IP,
		"current": current,
	}
}

// EventData gives exactly the REST resource of the revoked session (never "current":
// an event has no caller), and refuses other contexts' events.
func TestAuthEventData(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	other := f.otherSession(t)
	a := f.Do(t, handlertest.Request{Method: http.MethodDelete, Path: "/v1/auth/sessions/" + other.String(), Token: f.annTok})
	if a.Status != http.StatusNoContent {
		t.Fatalf("%d %s", a.Status, a.Body)
	}
	evs := f.Events.Events()
	ev, ok := evs[len(evs)-1].(auth.Event)
	if !ok || ev.Name != auth.EventSessionRevoked || ev.Session.ID != other {
		t.Fatalf("last event %#v", evs[len(evs)-1])
	}
	data, ok := httpauth.EventData(ev)
	if !ok {
		t.Fatal("EventData refused an auth.Event")
	}
	wire, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(wire, &got); err != nil {
		t.Fatal(err)
	}
	if want := session(f.Store.Session(other), false); !reflect.DeepEqual(got, want) {
		t.Errorf("event data\n got %v\nwant %v", got, want)
	}
	if _, ok := httpauth.EventData(user.Event{Name: user.EventUpdated}); ok {
		t.Error("EventData took another context's event")
	}
}

// Forgot-password, reset and e-mail verification: the answers, the API's field names,
// and what reaches the use cases.
func TestAuthTokensByMail(t *testing.T) {
	t.Parallel()
	t.Run("forgot", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		for _, email := range []string{" ANN@example.com", "nobody@example.com"} {
			a := f.Do(t, post("/password/forgot", `{"email":"`+email+`"}`))
			// The body is not checked here: route.Op answers a NoContent 202 with Fiber's
			// status text, a matter of the generic adapter.
			if a.Status != http.StatusAccepted {
				t.Errorf("forgot %q: %d %s", email, a.Status, a.Body)
			}
		}
		jobs := f.Jobs.Items()
		if len(jobs) != 2 || jobs[0] != (auth.SendPasswordReset{Email: "ann@example.com"}) ||
			jobs[1] != (auth.SendPasswordReset{Email: "nobody@example.com"}) {
			t.Errorf("jobs %#v", jobs)
		}
		if keys := f.Throttle.Keys(); !slices.Equal(keys, []string{"forgot ann@example.com|0.0.0.0", "forgot nobody@example.com|0.0.0.0"}) {
			t.Errorf("throttle keys %q", keys)
		}
		a := f.Do(t, post("/password/forgot", `{"email":"not an address"}`))
		if a.Status != http.StatusBadRequest || !reflect.DeepEqual(a.Fields, map[string]string{"email": "invalid_email"}) {
			t.Errorf("bad address: %d %v", a.Status, a.Fields)
		}
		f.Throttle.Refuse(true)
		if a := f.Do(t, post("/password/forgot", `{"email":"ann@example.com"}`)); a.Status != http.StatusTooManyRequests || len(f.Jobs.Items()) != 2 {
			t.Errorf("throttled: %d, %d jobs", a.Status, len(f.Jobs.Items()))
		}
	})
	t.Run("reset", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		if err := f.Auth.WorkPasswordReset(context.Background(), auth.SendPasswordReset{Email: "ann@example.com"}); err != nil {
			t.Fatal(err)
		}
		token := f.Mail.LastToken(t)
		for _, tc := range []struct {
			body   string
			status int
			code   string
			fields map[string]string
		}{
			{`{"token":"` + token + `","newPassword":"short"}`, http.StatusBadRequest, "validation_failed", map[string]string{"newPassword": "invalid_password"}},
			{`{"token":"` + token + `","newPassword":"x\u0000 long enough"}`, http.StatusBadRequest, "validation_failed", map[string]string{"newPassword": "invalid_characters"}},
			{`{"token":"bogus","newPassword":"a new password"}`, http.StatusBadRequest, "invalid_or_expired_token", nil},
			{`{"token":"` + token + `","newPassword":"a new password"}`, http.StatusNoContent, "", nil},
			{`{"token":"` + token + `","newPassword":"a newer password"}`, http.StatusBadRequest, "invalid_or_expired_token", nil},
		} {
			a := f.Do(t, post("/password/reset", tc.body))
			if a.Status != tc.status || a.Code != tc.code || !reflect.DeepEqual(a.Fields, tc.fields) {
				t.Errorf("%s: %d %q %v, want %d %q %v", tc.body, a.Status, a.Code, a.Fields, tc.status, tc.code, tc.fields)
			}
		}
		if f.Store.Passwords[f.ann.ID()] != "hash:a new password" || f.Store.Session(f.annAct.SessionID).RevokedAt.IsZero() {
			t.Errorf("after the reset: hash %q, session %+v", f.Store.Passwords[f.ann.ID()], f.Store.Session(f.annAct.SessionID))
		}
	})
	t.Run("verify", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		if err := f.Auth.WorkEmailVerification(context.Background(), auth.SendEmailVerification{UserID: f.ann.ID()}); err != nil {
			t.Fatal(err)
		}
		token := f.Mail.LastToken(t)
		for _, tc := range []struct {
			body   string
			status int
			code   string
		}{
			{`{"token":"bogus"}`, http.StatusBadRequest, "invalid_or_expired_token"},
			{`{"token":"` + token + `","extra":true}`, http.StatusBadRequest, "unknown_field"},
			{`{"token":"` + token + `"}`, http.StatusNoContent, ""},
			{`{"token":"` + token + `"}`, http.StatusBadRequest, "invalid_or_expired_token"},
		} {
			if a := f.Do(t, post("/email/verify", tc.body)); a.Status != tc.status || a.Code != tc.code {
				t.Errorf("%s: %d %q, want %d %q", tc.body, a.Status, a.Code, tc.status, tc.code)
			}
		}
		if f.Stored(t, f.ann.ID()).EmailVerifiedAt.IsZero() {
			t.Error("address not verified")
		}
		me := f.Do(t, handlertest.Request{Method: http.MethodGet, Path: "/v1/auth/me", Token: f.annTok}).JSON(t)
		if me["emailVerified"] != true {
			t.Errorf("me after verifying: %v", me)
		}
	})
}
