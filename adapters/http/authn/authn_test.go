package authn_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/authn"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/i18n"
)

// tokens maps bearer tokens to the claims a fake authenticator accepts.
type tokens map[string]auth.Claims

func (t tokens) Authenticate(_ context.Context, token string) (auth.Claims, error) {
	c, ok := t[token]
	if !ok {
		return auth.Claims{}, auth.ErrInvalidToken
	}
	return c, nil
}

var (
	alice = uuid.MustParse("01900000-0000-7000-8000-00000000000a")
	root  = uuid.MustParse("01900000-0000-7000-8000-0000000000ff")
)

func newApp(t *testing.T) *fiber.App {
	t.Helper()
	bundle, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	eh := &web.ErrorHandler{Bundle: bundle, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	app := fiber.New(fiber.Config{ErrorHandler: eh.Handle})
	m := &authn.Middleware{Bundle: bundle, Auth: tokens{
		"alice": {UserID: alice, Role: kernel.RoleUser, Locale: kernel.LocaleDE},
		"root":  {UserID: root, Role: kernel.RoleAdmin},
	}}
	app.Use(func(c *fiber.Ctx) error { web.SetLocalizer(c, bundle.Localizer("en"), false); return c.Next() })
	ok := func(c *fiber.Ctx) error {
		actor, _ := web.Actor(c)
		return c.SendString(actor.UserID.String() + " " + c.GetRespHeader(fiber.HeaderContentLanguage))
	}
	app.Get("/me", m.SignedIn, ok)
	return app
}

// The middleware authenticates and decides nothing else: the use cases apply policy.
func TestSignedIn(t *testing.T) {
	t.Parallel()
	app := newApp(t)
	for _, tc := range []struct {
		name, path, auth string
		want             int
		body             string
	}{
		{"no token", "/me", "", http.StatusUnauthorized, ""},
		{"not a bearer", "/me", "Basic YWxpY2U6eA==", http.StatusUnauthorized, ""},
		{"unknown token", "/me", "Bearer nope", http.StatusUnauthorized, ""},
		{"signed in, in the user's locale", "/me", "Bearer alice", http.StatusOK, alice.String() + " de"},
		{"scheme is case-insensitive", "/me", "bearer alice", http.StatusOK, alice.String() + " de"},
		{"an admin, in the default language", "/me", "Bearer root", http.StatusOK, root.String() + " en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			res, err := app.Test(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.want {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode, tc.want, body)
			}
			if tc.body != "" && string(body) != tc.body {
				t.Errorf("body = %q, want %q", body, tc.body)
			}
			if tc.want == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

// A failure of the authenticator that is not a verdict on the token (a database outage)
// must not be answered as 401: the client would drop a valid token.
func TestSignedInPassesInfrastructureErrorsOn(t *testing.T) {
	t.Parallel()
	bundle, _ := i18n.NewBundle()
	eh := &web.ErrorHandler{Bundle: bundle, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	app := fiber.New(fiber.Config{ErrorHandler: eh.Handle})
	m := &authn.Middleware{Bundle: bundle, Auth: failing{}}
	app.Get("/me", m.SignedIn, func(c *fiber.Ctx) error { return nil })
	req := httptest.NewRequest(http.MethodGet, "/me", nil)
	req.Header.Set("Authorization", "Bearer x")
	res, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", res.StatusCode)
	}
}

type failing struct{}

func (failing) Authenticate(context.Context, string) (auth.Claims, error) {
	return auth.Claims{}, context.DeadlineExceeded
}
