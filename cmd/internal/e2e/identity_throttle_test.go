package e2e_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/keelhq/keel/platform/testkit/redistest"
)

// TestIdentityLoginThrottle: 20 wrong sign-ins for one account from one IP end in 429
// too_many_attempts with Retry-After (default limits: 5 a minute, bursts of 10), with the
// limit shared through Redis and, when Redis is down, per instance.
func TestIdentityLoginThrottle(t *testing.T) {
	t.Parallel()
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		s := newStack(t)
		api := s.start("api").URL
		idThrottled(t, api, nil)
		// Reset requests are limited the same way, per e-mail and IP.
		email := idEmail("forgot-flood")
		var statuses []int
		for range 15 {
			statuses = append(statuses, do(t, http.MethodPost, api+"/v1/auth/password/forgot", map[string]any{"email": email}).Status)
		}
		if statuses[0] != http.StatusAccepted || statuses[14] != http.StatusTooManyRequests {
			t.Fatalf("15 reset requests for one address: %v, want 202s then 429s", statuses)
		}
		r := do(t, http.MethodPost, api+"/v1/auth/password/forgot", map[string]any{"email": email})
		idProblem(t, r, http.StatusTooManyRequests, "too_many_attempts", "en")
	})
	t.Run("redis stopped", func(t *testing.T) {
		t.Parallel()
		srv := redistest.StartServer(t)
		s := newStack(t, "REDIS_URL="+srv.URL())
		api := s.start("api").URL
		idThrottled(t, api, func() {
			srv.Stop()
			r := do(t, http.MethodGet, api+"/readyz", nil)
			if r.Status != http.StatusOK {
				t.Fatalf("readyz with Redis down = %d %s", r.Status, r.Body)
			}
			if r.JSON(t)["status"] != "degraded" {
				t.Fatalf("readyz with Redis down: %s, want status degraded", r.Body)
			}
		})
	})
}

// idThrottled signs two users up, runs beforeAttempts, then makes 20 wrong sign-ins for
// the first one and checks they end in 429s that also stop its right password, while the
// other account (same IP) is not throttled.
func idThrottled(t *testing.T, api string, beforeAttempts func()) {
	t.Helper()
	victim := idNewUser(t, api, "throttled", "")
	bystander := idNewUser(t, api, "bystander", "")
	if beforeAttempts != nil {
		beforeAttempts()
	}
	login := func(email, password string, headers ...string) response {
		return do(t, http.MethodPost, api+"/v1/auth/login", map[string]any{"email": email, "password": password}, headers...)
	}
	var statuses []int
	first429 := -1
	for i := range 20 {
		r := login(victim.Email, "wrong-password-"+strconv.Itoa(i))
		statuses = append(statuses, r.Status)
		switch r.Status {
		case http.StatusUnauthorized:
			if first429 >= 0 {
				t.Fatalf("attempt %d: 401 after a 429: %v", i+1, statuses)
			}
			idProblem(t, r, http.StatusUnauthorized, "invalid_credentials", "en")
		case http.StatusTooManyRequests:
			if first429 < 0 {
				first429 = i
			}
			p := idProblem(t, r, http.StatusTooManyRequests, "too_many_attempts", "en")
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > 60 {
				t.Fatalf("Retry-After = %q, want whole seconds", r.Header.Get("Retry-After"))
			}
			if want := "Too many attempts. Try again in " + strconv.Itoa(secs) + " second"; len(p["detail"].(string)) < len(want) || p["detail"].(string)[:len(want)] != want {
				t.Fatalf("detail %q does not say %d seconds", p["detail"], secs)
			}
		default:
			t.Fatalf("attempt %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if first429 < 0 || first429 < 5 || first429 > 12 {
		t.Fatalf("statuses %v: want 401s for the burst (10 attempts), then 429s", statuses)
	}
	t.Logf("statuses of 20 wrong sign-ins: %v", statuses)
	r := login(victim.Email, victim.Password, "Accept-Language", "de")
	if p := idProblem(t, r, http.StatusTooManyRequests, "too_many_attempts", "de"); p["title"] != "Zu viele Versuche" {
		t.Fatalf("de title %q", p["title"])
	}
	idLogin(t, api, bystander.Email, bystander.Password)
}
