package e2e_test

// Helpers of the identity end-to-end tests (auth, users, audit). Every name here starts
// with "id" so that it cannot collide with the helpers of other files in this package.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/platform/testkit/proctest"
)

// idGenerousLimits lifts the rate limits of a stack whose tests sign many users up and in
// from one IP; the limits themselves are tested on stacks of their own.
var idGenerousLimits = []string{
	"RATE_LIMIT_PER_IP=100000", "RATE_LIMIT_PER_IP_BURST=100000",
	"RATE_LIMIT_AUTH=100000", "RATE_LIMIT_AUTH_BURST=100000",
}

// idEnv returns the value the stack's processes get for key (the last setting wins).
func idEnv(s *stack, key string) string {
	for i := len(s.env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(s.env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

var idSeq atomic.Int64

// idEmail returns an e-mail address no other test uses.
func idEmail(prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s@example.com", prefix, idSeq.Add(1), hex.EncodeToString(b[:]))
}

// idBearer is the Authorization header pair for an access token.
func idBearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// idHeaders joins header pairs.
func idHeaders(pairs ...[]string) []string { return slices.Concat(pairs...) }

// idSession is one signed-in client: its tokens and who it is.
type idSession struct {
	Email, Password string
	UserID          string
	SessionID       string
	Access, Refresh string
	// Cookie is the refresh cookie the answer set (name=value), if any.
	Cookie string
	// RequestID is the X-Request-Id of the answer that opened the session.
	RequestID string
	// Body is the raw answer.
	Body []byte
}

// idTokenPair checks a TokenPair answer (flat; with `user` when withUser) and returns it.
func idTokenPair(t *testing.T, r response, status int, withUser bool) idSession {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d\n%s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	m := r.JSON(t)
	want := []string{"accessToken", "expiresIn", "refreshToken", "tokenType"}
	if withUser {
		want = append(want, "user")
	}
	if got := slices.Sorted(idKeys(m)); !slices.Equal(got, want) {
		t.Fatalf("TokenPair members = %v, want %v\n%s", got, want, r.Body)
	}
	if m["tokenType"] != "Bearer" || m["expiresIn"] != float64(900) {
		t.Fatalf("tokenType/expiresIn = %v/%v, want Bearer/900", m["tokenType"], m["expiresIn"])
	}
	sess := idSession{Access: m["accessToken"].(string), Refresh: m["refreshToken"].(string), RequestID: r.Header.Get("X-Request-Id"), Body: r.Body}
	if len(sess.Refresh) < 43 { // 256 bits in base64
		t.Fatalf("refresh token %d characters long, want at least 43 (256 bits)", len(sess.Refresh))
	}
	claims := idClaims(t, sess.Access)
	sess.UserID, _ = claims["sub"].(string)
	sess.SessionID, _ = claims["sid"].(string)
	if withUser {
		u := m["user"].(map[string]any)
		idWantUser(t, u)
		if u["id"] != sess.UserID {
			t.Fatalf("user.id %v differs from the token's sub %s", u["id"], sess.UserID)
		}
		sess.Email, _ = u["email"].(string)
	}
	if c := idCookie(r, "keel_refresh"); c != nil {
		sess.Cookie = c.Name + "=" + c.Value
	}
	return sess
}

func idKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// idClaims decodes (without verifying) an access token's header and body; the header's
// members are returned under "header.<name>".
func idClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("access token is not a JWT: %d parts", len(parts))
	}
	out := map[string]any{}
	for i, prefix := range []string{"header.", ""} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("JWT part %d: %v", i, err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("JWT part %d: %v", i, err)
		}
		for k, v := range m {
			out[prefix+k] = v
		}
	}
	for _, k := range []string{"sub", "sid", "role", "iat", "exp", "iss", "aud", "header.kid"} {
		if _, ok := out[k]; !ok {
			t.Fatalf("access token lacks %s: %v", k, out)
		}
	}
	return out
}

// idWantUser checks that m is a `User` resource, exactly.
func idWantUser(t *testing.T, m map[string]any) {
	t.Helper()
	want := []string{"createdAt", "email", "emailVerified", "id", "locale", "name", "role", "status", "updatedAt"}
	if got := slices.Sorted(idKeys(m)); !slices.Equal(got, want) {
		t.Fatalf("User members = %v, want %v", got, want)
	}
	for _, k := range []string{"createdAt", "updatedAt"} {
		ts, _ := m[k].(string)
		if p, err := time.Parse(time.RFC3339Nano, ts); err != nil || p.Location() != time.UTC || !strings.HasSuffix(ts, "Z") {
			t.Fatalf("User.%s = %q, want an RFC 3339 timestamp in UTC", k, ts)
		}
	}
}

// idCookie returns the named cookie the answer set, or nil.
func idCookie(r response, name string) *http.Cookie {
	for _, line := range r.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == name {
			return c
		}
	}
	return nil
}

// idRegister signs a new user up (201) and returns the session.
func idRegister(t *testing.T, api, email, password, name, locale string) idSession {
	t.Helper()
	body := map[string]any{"email": email, "password": password, "name": name}
	if locale != "" {
		body["locale"] = locale
	}
	sess := idTokenPair(t, do(t, http.MethodPost, api+"/v1/auth/register", body), http.StatusCreated, true)
	sess.Password = password
	return sess
}

// idLogin signs in (200) and returns the session.
func idLogin(t *testing.T, api, email, password string, headers ...string) idSession {
	t.Helper()
	r := do(t, http.MethodPost, api+"/v1/auth/login", map[string]any{"email": email, "password": password}, headers...)
	sess := idTokenPair(t, r, http.StatusOK, true)
	sess.Password = password
	return sess
}

// idNewUser registers a user with a unique e-mail and returns the session.
func idNewUser(t *testing.T, api, prefix, locale string) idSession {
	t.Helper()
	return idRegister(t, api, idEmail(prefix), "pw-"+prefix+"-"+idRandom(6), "User "+prefix, locale)
}

// idRandom returns n random bytes in hex.
func idRandom(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// idCreateAdmin makes an administrator with the real `admin create-user` and signs in.
func idCreateAdmin(t *testing.T, s *stack, api string) idSession {
	t.Helper()
	email, password := idEmail("admin"), "admin-pw-"+idRandom(6)
	code, out := s.run("admin", password+"\n", "create-user", "--email", email, "--name", "Ada Admin", "--role", "admin")
	if code != 0 {
		t.Fatalf("admin create-user exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "created admin") || strings.Contains(out, password) {
		t.Fatalf("admin create-user output %q: want `created admin ...` without the password", out)
	}
	return idLogin(t, api, email, password)
}

// idMe calls GET /v1/auth/me with a token.
func idMe(t *testing.T, api, token string, headers ...string) response {
	t.Helper()
	return do(t, http.MethodGet, api+"/v1/auth/me", nil, idHeaders(idBearer(token), headers)...)
}

// idWantRefused checks that the access token is refused with 401 unauthenticated.
func idWantRefused(t *testing.T, api, token string) {
	t.Helper()
	r := idMe(t, api, token)
	wantProblem(t, r, http.StatusUnauthorized, "unauthenticated")
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("401 without WWW-Authenticate")
	}
}

// idWantAccepted checks that the access token still works.
func idWantAccepted(t *testing.T, api, token string) {
	t.Helper()
	if r := idMe(t, api, token); r.Status != http.StatusOK {
		t.Fatalf("GET /v1/auth/me = %d, want 200\n%s", r.Status, r.Body)
	}
}

// idStatus checks a bodiless answer's status.
func idStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d\n%s", r.Status, status, r.Body)
	}
	if status == http.StatusNoContent && len(r.Body) != 0 {
		t.Fatalf("204 with a body: %s", r.Body)
	}
}

// idCatalogue is the shipped message catalogue, read from the repository: per language,
// the core file merged with the contexts' own.
var idCatalogue = sync.OnceValues(func() (map[string]map[string]any, error) {
	root, err := proctest.ModuleRoot()
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]any{}
	dir := os.DirFS(filepath.Join(root, "platform", "i18n"))
	for _, lang := range []string{"en", "de", "es"} {
		names, err := i18n.Files(dir, lang) // the core catalogue and the contexts' own
		if err != nil {
			return nil, err
		}
		m := map[string]any{}
		for _, name := range names {
			raw, err := fs.ReadFile(dir, name)
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		out[lang] = m
	}
	return out, nil
})

// idMessage returns the catalogue's plain message id in lang.
func idMessage(t *testing.T, lang, id string) string {
	t.Helper()
	cat, err := idCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	s, ok := cat[lang][id].(string)
	if !ok {
		t.Fatalf("catalogue %s has no plain message %s", lang, id)
	}
	return s
}

// idProblem checks a problem+json answer fully: status, code, request id, type, status
// member, instance, and a title and Content-Language in lang from the catalogue.
func idProblem(t *testing.T, r response, status int, code, lang string) map[string]any {
	t.Helper()
	p := wantProblem(t, r, status, code)
	if got := r.Header.Get("Content-Language"); got != lang {
		t.Fatalf("Content-Language = %q, want %q\n%s", got, lang, r.Body)
	}
	if p["type"] != "/docs/problems#"+strings.ReplaceAll(code, "_", "-") {
		t.Fatalf("type = %v for code %s", p["type"], code)
	}
	if p["status"] != float64(status) {
		t.Fatalf("status member = %v, want %d", p["status"], status)
	}
	if inst, _ := p["instance"].(string); !strings.HasPrefix(inst, "/") || strings.Contains(inst, "?") {
		t.Fatalf("instance = %v, want the request path", p["instance"])
	}
	title := idMessage(t, lang, "problem."+code+".title")
	if p["title"] != title {
		t.Fatalf("title = %q, want the %s catalogue's %q", p["title"], lang, title)
	}
	if d, _ := p["detail"].(string); d == "" {
		t.Fatalf("problem without a detail: %s", r.Body)
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		if r.Header.Get("Retry-After") == "" {
			t.Fatalf("%d without Retry-After", status)
		}
	}
	return p
}

// idFieldErrors returns a validation problem's field errors as field -> code, checking
// each message is the catalogue's in lang.
func idFieldErrors(t *testing.T, p map[string]any, lang string) map[string]string {
	t.Helper()
	out := map[string]string{}
	list, _ := p["errors"].([]any)
	for _, e := range list {
		fe := e.(map[string]any)
		field, code, msg := fe["field"].(string), fe["code"].(string), fe["message"].(string)
		out[field] = code
		cat, _ := idCatalogue()
		if want, ok := cat[lang]["field."+code].(string); ok && !strings.Contains(want, "{{") && msg != want {
			t.Fatalf("errors[%s].message = %q, want the %s catalogue's %q", field, msg, lang, want)
		}
	}
	return out
}

// idWantFields checks a validation problem's field errors exactly.
func idWantFields(t *testing.T, p map[string]any, lang string, want map[string]string) {
	t.Helper()
	if got := idFieldErrors(t, p, lang); !reflect.DeepEqual(got, want) {
		t.Fatalf("field errors = %v, want %v", got, want)
	}
}

// idDB opens the stack's database for checks the API does not expose.
func idDB(t *testing.T, s *stack) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), idEnv(s, "DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// idAuditRow is one audit_logs row as stored.
type idAuditRow struct {
	Action, Entity, EntityID string
	ActorID                  string // "" for none
	IP, RequestID            string
	Changes                  map[string]any
	CreatedAt                time.Time
}

// idAuditByRequest returns the rows written by the request with the given id.
func idAuditByRequest(t *testing.T, db *pgxpool.Pool, requestID string) []idAuditRow {
	t.Helper()
	return idAuditQuery(t, db, "WHERE request_id = $1", requestID)
}

func idAuditQuery(t *testing.T, db *pgxpool.Pool, where string, args ...any) []idAuditRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.Query(ctx, `SELECT action, entity, entity_id, coalesce(actor_id::text, ''), ip, request_id, changes, created_at
		FROM audit_logs `+where+` ORDER BY id`, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []idAuditRow
	for rows.Next() {
		var r idAuditRow
		var changes []byte
		if err := rows.Scan(&r.Action, &r.Entity, &r.EntityID, &r.ActorID, &r.IP, &r.RequestID, &changes, &r.CreatedAt); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(changes, &r.Changes); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// idAuditWant is one audit row a request must have written. Empty EntityID or ActorID
// and nil Changes are not checked; Changes {} means "no changes recorded".
type idAuditWant struct {
	Action, Entity, EntityID, ActorID string
	Changes                           map[string]any
}

// idWantAudit checks that the request answered by r wrote exactly the wanted rows, one
// per action, each with the answer's X-Request-Id, the client's IP and the actor.
func idWantAudit(t *testing.T, db *pgxpool.Pool, r response, wants ...idAuditWant) []idAuditRow {
	t.Helper()
	reqID := r.Header.Get("X-Request-Id")
	if reqID == "" {
		t.Fatal("answer without X-Request-Id")
	}
	rows := idAuditByRequest(t, db, reqID)
	var got, want []string
	for _, row := range rows {
		got = append(got, row.Action)
	}
	for _, w := range wants {
		want = append(want, w.Action)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("request %s wrote audit actions %v, want exactly %v", reqID, got, want)
	}
	for _, w := range wants {
		i := slices.IndexFunc(rows, func(r idAuditRow) bool { return r.Action == w.Action })
		row := rows[i]
		if row.IP != "127.0.0.1" {
			t.Errorf("%s: ip = %q, want 127.0.0.1", w.Action, row.IP)
		}
		if w.Entity != "" && row.Entity != w.Entity {
			t.Errorf("%s: entity = %q, want %q", w.Action, row.Entity, w.Entity)
		}
		if w.EntityID != "" && row.EntityID != w.EntityID {
			t.Errorf("%s: entityId = %q, want %q", w.Action, row.EntityID, w.EntityID)
		}
		if w.ActorID != "" && row.ActorID != w.ActorID {
			t.Errorf("%s: actor = %q, want %q", w.Action, row.ActorID, w.ActorID)
		}
		if w.Changes != nil && !reflect.DeepEqual(row.Changes, w.Changes) {
			t.Errorf("%s: changes = %v, want %v", w.Action, row.Changes, w.Changes)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return rows
}

// idChange builds an audit `changes` member {"field": {"from": from, "to": to}}.
func idChange(kv ...any) map[string]any {
	out := map[string]any{}
	for i := 0; i+2 < len(kv); i += 3 {
		out[kv[i].(string)] = map[string]any{"from": kv[i+1], "to": kv[i+2]}
	}
	return out
}

// idPoll calls f until it returns true or timeout passes, and reports how long it took.
func idPoll(timeout, every time.Duration, f func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if f() {
			return time.Since(start), true
		}
		if time.Since(start) > timeout {
			return time.Since(start), false
		}
		time.Sleep(every)
	}
}
