package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// idRecorder keeps every answer of a run, and every secret the run used or received.
type idRecorder struct {
	t       *testing.T
	api     string
	answers []response
	// issued[i] are the tokens answer i handed out legitimately (a TokenPair).
	issued  [][]string
	secrets []string
}

func (rec *idRecorder) secret(s ...string) { rec.secrets = append(rec.secrets, s...) }

func (rec *idRecorder) do(method, path string, body any, headers ...string) response {
	rec.t.Helper()
	r := do(rec.t, method, rec.api+path, body, headers...)
	rec.answers = append(rec.answers, r)
	var pair struct{ AccessToken, RefreshToken string }
	_ = json.Unmarshal(r.Body, &pair)
	var issued []string
	for _, tok := range []string{pair.AccessToken, pair.RefreshToken} {
		if tok != "" {
			issued = append(issued, tok)
			rec.secret(tok)
		}
	}
	rec.issued = append(rec.issued, issued)
	return r
}

// TestIdentitySecretsStayOut runs the identity flows (register, login, refresh, password
// change, reset, e-mail verification, and failed attempts of each), then checks that no
// password, access or refresh token, reset or verification token, nor an Argon2id hash
// appears in the api's or the worker's output, in the audit trail, in the job queue, or
// in any answer (beyond the tokens a TokenPair answer hands out).
func TestIdentitySecretsStayOut(t *testing.T) {
	t.Parallel()
	s := newStack(t, append([]string{"LOG_LEVEL=debug"}, idGenerousLimits...)...)
	apiNode := s.start("api")
	worker := s.start("worker")
	mail := idNewMailbox(s)
	rec := &idRecorder{t: t, api: apiNode.URL}
	email := idEmail("secret")
	pw1, pw2, pw3, wrong := "first-Secret-pw-"+idRandom(6), "second-Secret-pw-"+idRandom(6), "third-Secret-pw-"+idRandom(6), "wrong-Secret-pw-"+idRandom(6)
	rec.secret(pw1, pw2, pw3, wrong)
	adminPW := "admin-Secret-pw-" + idRandom(6)
	rec.secret(adminPW)
	if code, out := s.run("admin", adminPW+"\n", "create-user", "--email", idEmail("secret-admin"), "--name", "Sec Admin", "--role", "admin"); code != 0 {
		t.Fatalf("create-user: %d %s", code, out)
	}

	want := func(r response, status int) response {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%d, want %d: %s", r.Status, status, r.Body)
		}
		return r
	}
	reg := idTokenPair(t, want(rec.do(http.MethodPost, "/v1/auth/register", map[string]any{"email": email, "password": pw1, "name": "Sec Ret"}), http.StatusCreated), http.StatusCreated, true)
	want(rec.do(http.MethodPost, "/v1/auth/register", map[string]any{"email": email, "password": pw1, "name": "Sec Ret"}), http.StatusConflict)
	want(rec.do(http.MethodPost, "/v1/auth/register", map[string]any{"email": "bad", "password": "short-" + wrong[:1], "name": "x"}), http.StatusBadRequest)
	want(rec.do(http.MethodPost, "/v1/auth/login", map[string]any{"email": email, "password": wrong}), http.StatusUnauthorized)
	login := idTokenPair(t, want(rec.do(http.MethodPost, "/v1/auth/login", map[string]any{"email": email, "password": pw1}), http.StatusOK), http.StatusOK, true)
	ref := idTokenPair(t, want(rec.do(http.MethodPost, "/v1/auth/refresh", map[string]any{"refreshToken": login.Refresh}), http.StatusOK), http.StatusOK, false)
	want(rec.do(http.MethodPost, "/v1/auth/refresh", map[string]any{"refreshToken": login.Refresh}), http.StatusUnauthorized)
	want(rec.do(http.MethodPost, "/v1/auth/refresh", nil, "Cookie", "keel_refresh="+reg.Refresh, "Origin", "https://evil.example"), http.StatusForbidden)
	want(rec.do(http.MethodGet, "/v1/auth/me", nil, idBearer(ref.Access)...), http.StatusUnauthorized) // the reuse ended it
	want(rec.do(http.MethodGet, "/v1/auth/me", nil, idBearer(reg.Access)...), http.StatusOK)
	want(rec.do(http.MethodGet, "/v1/auth/sessions", nil, idBearer(reg.Access)...), http.StatusOK)

	want(rec.do(http.MethodPost, "/v1/auth/email/verify/request", nil, idBearer(reg.Access)...), http.StatusAccepted)
	verify := mail.wait(t, email, idVerifySubjectEN, 2)
	for _, m := range verify {
		rec.secret(m.Token)
	}
	want(rec.do(http.MethodPost, "/v1/auth/email/verify", map[string]any{"token": verify[0].Token}), http.StatusNoContent)
	want(rec.do(http.MethodPost, "/v1/auth/email/verify", map[string]any{"token": verify[0].Token}), http.StatusBadRequest)

	want(rec.do(http.MethodPost, "/v1/auth/password", map[string]any{"currentPassword": wrong, "newPassword": pw2}, idBearer(reg.Access)...), http.StatusBadRequest)
	want(rec.do(http.MethodPost, "/v1/auth/password", map[string]any{"currentPassword": pw1, "newPassword": pw2}, idBearer(reg.Access)...), http.StatusNoContent)
	want(rec.do(http.MethodPost, "/v1/auth/password/forgot", map[string]any{"email": email}), http.StatusAccepted)
	reset := mail.wait(t, email, idResetSubjectEN, 1)[0]
	rec.secret(reset.Token)
	want(rec.do(http.MethodPost, "/v1/auth/password/reset", map[string]any{"token": reset.Token, "newPassword": "short"}), http.StatusBadRequest)
	want(rec.do(http.MethodPost, "/v1/auth/password/reset", map[string]any{"token": reset.Token, "newPassword": pw3}), http.StatusNoContent)
	want(rec.do(http.MethodPost, "/v1/auth/password/reset", map[string]any{"token": reset.Token, "newPassword": pw3}), http.StatusBadRequest)
	final := idTokenPair(t, want(rec.do(http.MethodPost, "/v1/auth/login", map[string]any{"email": email, "password": pw3}), http.StatusOK), http.StatusOK, true)
	want(rec.do(http.MethodPost, "/v1/auth/logout", nil, idBearer(final.Access)...), http.StatusNoContent)

	// Let the processes finish writing: stop them gracefully, then read what they wrote.
	for _, n := range []*node{apiNode, worker} {
		if code := n.Stop(15 * time.Second); code != 0 {
			t.Errorf("exit code %d", code)
		}
	}
	places := map[string]string{
		"api output":    apiNode.Output(),
		"worker output": worker.Output(),
	}
	db := idDB(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for name, query := range map[string]string{
		"audit_logs": "SELECT coalesce(string_agg(row_to_json(a)::text, E'\\n'), '') FROM audit_logs a",
		"river_job":  "SELECT coalesce(string_agg(row_to_json(j)::text, E'\\n'), '') FROM river_job j",
	} {
		var text string
		if err := db.QueryRow(ctx, query).Scan(&text); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		places[name] = text
	}
	if !strings.Contains(places["audit_logs"], "user.registered") || !strings.Contains(places["api output"], "/v1/auth/password/reset") {
		t.Fatal("the checks below would look at nothing")
	}
	for name, text := range places {
		idNoSecrets(t, name, text, rec.secrets)
	}
	for i, r := range rec.answers {
		body := string(r.Body)
		for _, tok := range rec.issued[i] {
			body = strings.ReplaceAll(body, tok, "<issued>")
		}
		idNoSecrets(t, "answer "+r.Header.Get("X-Request-Id")+" body", body, rec.secrets)
		for k, vs := range r.Header {
			for _, v := range vs {
				if k == "Set-Cookie" {
					for _, tok := range rec.issued[i] {
						v = strings.ReplaceAll(v, tok, "<issued>")
					}
				}
				idNoSecrets(t, "answer header "+k, v, rec.secrets)
			}
		}
	}
	t.Logf("checked %d answers, %d secrets, %d bytes of api and %d of worker output", len(rec.answers), len(rec.secrets),
		len(places["api output"]), len(places["worker output"]))
}

// idNoSecrets fails the test when text contains one of the secrets or an Argon2id hash.
func idNoSecrets(t *testing.T, where, text string, secrets []string) {
	t.Helper()
	if strings.Contains(text, "$argon2id$") || strings.Contains(text, "argon2id$v=") {
		t.Errorf("%s contains an Argon2id hash", where)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s contains a secret (%d characters, starting %q)", where, len(s), s[:min(6, len(s))])
		}
	}
}
