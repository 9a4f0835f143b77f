// Package handlertest serves the HTTP adapters of the bounded contexts for their tests:
// the production edge (server.New with a test configuration), the real use cases of the
// user, auth and audit contexts over the in-memory adapters and authtest's fakes, and an
// authentication middleware that puts an actor the test chose in the request's context.
// Only tests import it.
package handlertest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/keelhq/keel/adapters/catalogue"
	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/server"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/adapters/memory"
	memaudit "github.com/keelhq/keel/adapters/memory/audit"
	memnotification "github.com/keelhq/keel/adapters/memory/notification"
	memuser "github.com/keelhq/keel/adapters/memory/user"
	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/application/notices"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/auth/authtest"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/platform/config"
	"github.com/keelhq/keel/platform/health"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/ports"
	"github.com/keelhq/keel/ports/portstest"
)

// T0 is the test clock's start, 12:00 UTC, in a zone other than UTC so that a resource
// that forgets to give its times in UTC shows it.
var T0 = time.Date(2026, 3, 1, 14, 0, 0, 0, time.FixedZone("UTC+2", 2*60*60))

// Lifetimes are the auth context's lifetimes in these tests.
var Lifetimes = auth.Lifetimes{Idle: time.Hour, Absolute: 24 * time.Hour, Access: 15 * time.Minute, Reset: time.Hour, Verify: time.Hour}

// AllowedOrigin is the one browser origin the test configuration allows.
const AllowedOrigin = "https://app.example.com"

// Password is the password of the accounts Account creates.
const Password = "correct horse battery"

// Env is one application under test and everything behind it.
type Env struct {
	App    *fiber.App
	Config *config.Config

	Users *user.Service
	Auth  *auth.Service
	Audit *audit.Service
	// Notifications are the notification context's actions; the service's own
	// notifications (new sign-in, password and role changes) are rendered from the real
	// catalogue.
	Notifications *notification.Service
	Registration  *identity.Registration
	Verification  *identity.Verification
	Cursors       *web.Cursors
	Throttle      *Throttle

	Tx     *memory.Tx
	Repo   *memuser.Repository
	Trail  *memaudit.Repository
	Notes  *memnotification.Repository
	Events *memory.Outbox
	Store  *authtest.Store
	Mail   *authtest.Mail
	Jobs   *portstest.JobQueue
	Clock  *portstest.Clock

	mu     sync.Mutex
	actors map[string]ports.Actor
}

// New builds the edge with the test configuration, vars overriding it, and the contexts
// behind it. Mount the package's routes on it with Mount.
func New(t testing.TB, vars map[string]string) *Env {
	t.Helper()
	env := map[string]string{"APP_ENV": "test", "REDIS_URL": "", "CORS_ALLOWED_ORIGINS": AllowedOrigin}
	for k, v := range vars {
		env[k] = v
	}
	cfg, err := config.LoadFrom(config.ProcessAPI, env)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{
		Config: cfg, Tx: memory.NewTx(), Store: authtest.NewStore(), Mail: &authtest.Mail{},
		Jobs: &portstest.JobQueue{}, Clock: portstest.NewClock(T0), Throttle: &Throttle{},
		Cursors: web.NewCursors("handlertest"), actors: map[string]ports.Actor{},
	}
	e.Repo = memuser.NewRepository(e.Tx)
	e.Trail = memaudit.NewRepository(e.Tx)
	e.Events = memory.NewOutbox(e.Tx)
	e.Notes = memnotification.NewRepository(e.Tx)
	e.Tx.Register(e.Store, e.Jobs)
	if e.Audit, err = audit.NewService(e.Trail, e.Clock); err != nil {
		t.Fatal(err)
	}
	e.Notifications, err = notification.NewService(e.Notes, &notices.Recipients{Repo: e.Repo}, e.Tx, e.Audit, e.Events, e.Clock)
	if err != nil {
		t.Fatal(err)
	}
	notifier := &notices.Notifier{Notifications: e.Notifications, Texts: catalogue.NewNotices(bundle)}
	signIns := authtest.NewSignIns()
	e.Tx.Register(signIns)
	e.Auth, err = auth.NewService(auth.Deps{
		Accounts: &identity.Accounts{Repo: e.Repo}, Store: e.Store, Hasher: &authtest.Hasher{}, Tokens: &authtest.Tokens{},
		Status: authtest.NewStatus(), Broadcast: &authtest.Broadcast{}, Mail: e.Mail, Tx: e.Tx, Audit: e.Audit,
		Events: e.Events, Jobs: e.Jobs, Clock: e.Clock, SignIns: signIns, Notices: notifier, Lifetimes: Lifetimes, LinkBase: "https://app.example.com",
	})
	if err != nil {
		t.Fatal(err)
	}
	if e.Users, err = user.NewService(e.Repo, &identity.Access{Auth: e.Auth}, notifier, e.Tx, e.Audit, e.Events, e.Clock); err != nil {
		t.Fatal(err)
	}
	e.Registration = &identity.Registration{Users: e.Users, Auth: e.Auth, Tx: e.Tx}
	e.Verification = &identity.Verification{Users: e.Users, Auth: e.Auth, Tx: e.Tx}
	checker := health.NewChecker(time.Second, health.Check{Name: "postgres", Required: true,
		Probe: func(context.Context) error { return nil }})
	e.App = server.New(server.Deps{
		Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Bundle: bundle,
		Registry: prometheus.NewRegistry(), Health: checker,
	})
	return e
}

// Mount mounts routes as production does, authenticating non-public ones with the
// tokens Token gave out.
func (e *Env) Mount(routes ...route.Route) {
	(&route.Mounter{Authenticate: e.authenticate}).Mount(e.App, routes...)
}

func (e *Env) authenticate(c *fiber.Ctx) error {
	token, ok := web.BearerToken(c.Get(fiber.HeaderAuthorization))
	e.mu.Lock()
	a, known := e.actors[token]
	e.mu.Unlock()
	if !ok || !known {
		return web.NewError(http.StatusUnauthorized, "unauthenticated")
	}
	c.SetUserContext(ports.WithActor(c.UserContext(), a))
	return c.Next()
}

// Token returns a bearer token that authenticates as a.
func (e *Env) Token(a ports.Actor) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	tok := "test-" + uuid.NewString()
	e.actors[tok] = a
	return tok
}

// Account creates an active account with Password and signs it in once: the actor of
// that session, and its bearer token.
func (e *Env) Account(t testing.TB, email, name, role string) (*user.User, ports.Actor, string) {
	t.Helper()
	ctx := context.Background()
	u, err := e.Registration.CreateAccount(ctx, identity.NewAccount{Email: email, Password: Password, Name: name, Role: role})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	pair, acc, err := e.Auth.Login(ctx, email, Password, auth.Client{UserAgent: "setup", IP: "192.0.2.1"})
	if err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	a := ports.Actor{UserID: u.ID(), SessionID: pair.SessionID, Role: acc.Role}
	return u, a, e.Token(a)
}

// Stored returns the stored state of account id.
func (e *Env) Stored(t testing.TB, id uuid.UUID) user.Record {
	t.Helper()
	u, err := e.Repo.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("stored %s: %v", id, err)
	}
	return u.Record()
}

// Written counts what every change leaves behind: audit entries, events and jobs.
func (e *Env) Written(t testing.TB) int {
	t.Helper()
	entries, err := e.Trail.List(context.Background(), audit.Filter{}, kernel.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(entries) + len(e.Events.Events()) + len(e.Jobs.Items())
}

// Throttle is the auth handler's Throttler: it records every key and refuses when
// Refuse is set.
type Throttle struct {
	mu     sync.Mutex
	keys   []string
	refuse bool
}

// Throttle implements the auth handler's Throttler.
func (th *Throttle) Throttle(_ *fiber.Ctx, bucket, subject string) error {
	th.mu.Lock()
	defer th.mu.Unlock()
	th.keys = append(th.keys, bucket+" "+subject)
	if th.refuse {
		return web.NewError(http.StatusTooManyRequests, "too_many_attempts")
	}
	return nil
}

// Refuse makes every later attempt refused (or allowed again).
func (th *Throttle) Refuse(on bool) {
	th.mu.Lock()
	defer th.mu.Unlock()
	th.refuse = on
}

// Keys returns "bucket subject" of every attempt so far.
func (th *Throttle) Keys() []string {
	th.mu.Lock()
	defer th.mu.Unlock()
	return append([]string(nil), th.keys...)
}

// Request describes one request: Body is sent as application/json when not empty.
type Request struct {
	Method, Path, Body string
	// Token is the bearer token, if any.
	Token string
	// Header holds more header fields.
	Header map[string]string
	// Cookies are sent as the Cookie header.
	Cookies []*http.Cookie
}

// Answer is a response, read.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
	// Code is the problem's code, Fields its field errors (field -> code).
	Code    string
	Fields  map[string]string
	Cookies []*http.Cookie
}

// Do sends r through the whole edge with app.Test.
func (e *Env) Do(t testing.TB, r Request) Answer {
	t.Helper()
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req := httptest.NewRequest(r.Method, r.Path, body)
	if r.Body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	for _, c := range r.Cookies {
		req.AddCookie(c)
	}
	res, err := e.App.Test(req, 10000)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := Answer{Status: res.StatusCode, Header: res.Header, Body: b, Cookies: res.Cookies()}
	if strings.HasPrefix(res.Header.Get("Content-Type"), web.ContentTypeProblem) {
		var p struct {
			Code   string `json:"code"`
			Errors []struct {
				Field, Code string
			} `json:"errors"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("problem %s: %v", b, err)
		}
		a.Code = p.Code
		for _, f := range p.Errors {
			if a.Fields == nil {
				a.Fields = map[string]string{}
			}
			a.Fields[f.Field] = f.Code
		}
	}
	return a
}

// JSON decodes the answer's body into a generic value, failing the test when it is not
// JSON.
func (a Answer) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.Body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", a.Body, err)
	}
	return m
}

// Cookie returns the answer's Set-Cookie for name, or nil.
func (a Answer) Cookie(name string) *http.Cookie {
	for _, c := range a.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Keys returns the sorted member names of a JSON object.
func Keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// UserResource is the `User` resource of rec, as decoded from JSON: every member, times
// in UTC.
func UserResource(rec user.Record) map[string]any {
	return map[string]any{
		"id": rec.ID.String(), "email": rec.Email, "name": rec.Name, "role": rec.Role, "status": rec.Status,
		"locale": rec.Locale, "emailVerified": !rec.EmailVerifiedAt.IsZero(),
		"createdAt": rec.CreatedAt.UTC().Format(time.RFC3339Nano), "updatedAt": rec.UpdatedAt.UTC().Format(time.RFC3339Nano),
	}
}

// Page is a keyset-paginated list answer.
type Page struct {
	Data       []map[string]any `json:"data"`
	Pagination struct {
		Limit      int     `json:"limit"`
		NextCursor *string `json:"nextCursor"`
		HasMore    bool    `json:"hasMore"`
	} `json:"pagination"`
}

// Page decodes a 200 answer that must be exactly {"data": [...], "pagination": {...}}.
func (a Answer) Page(t testing.TB) Page {
	t.Helper()
	if a.Status != http.StatusOK {
		t.Fatalf("list answered %d: %s", a.Status, a.Body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(a.Body, &raw); err != nil || len(raw) != 2 || raw["data"] == nil || raw["pagination"] == nil {
		t.Fatalf("page %s is not {data, pagination}: %v", a.Body, err)
	}
	var p Page
	if err := json.Unmarshal(a.Body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}
