// Package authn authenticates API requests by their bearer access token and authorises
// them by role (RBAC): signed-in, admin, and owner-or-admin.
package authn

import (
	"context"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/i18n"
	"github.com/keelhq/keel/ports"
)

// Authenticator checks an access token and returns its claims with the current role.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (auth.Claims, error)
}

// Middleware holds the authentication and authorisation handlers.
type Middleware struct {
	Auth   Authenticator
	Bundle *i18n.Bundle
}

// SignedIn requires a valid bearer token of an active session and puts the actor in the
// request context. When the client did not choose a language, the user's locale is used.
func (m *Middleware) SignedIn(c *fiber.Ctx) error {
	token, ok := BearerToken(c.Get(fiber.HeaderAuthorization))
	if !ok {
		return unauthenticated(c)
	}
	claims, err := m.Auth.Authenticate(c.UserContext(), token)
	if err != nil {
		if _, domainErr := kernel.AsError(err); domainErr {
			return unauthenticated(c)
		}
		return err
	}
	c.SetUserContext(ports.WithActor(c.UserContext(), ports.Actor{
		UserID: claims.UserID, SessionID: claims.SessionID, Role: claims.Role,
	}))
	if !web.LangExplicit(c) && claims.Locale != "" {
		web.SetLocalizer(c, m.Bundle.Localizer(string(claims.Locale)), false)
	}
	return c.Next()
}

// Admin requires the signed-in actor to be an administrator.
func (m *Middleware) Admin(c *fiber.Ctx) error {
	actor, ok := web.Actor(c)
	if !ok {
		return unauthenticated(c)
	}
	if !actor.IsAdmin() {
		return web.NewError(http.StatusForbidden, "forbidden")
	}
	return c.Next()
}

// OwnerOrAdmin requires the actor to be the user named by the route parameter, or an
// administrator. Others get 404, since they may not know the resource exists.
func (m *Middleware) OwnerOrAdmin(param string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		actor, ok := web.Actor(c)
		if !ok {
			return unauthenticated(c)
		}
		id, err := uuid.Parse(c.Params(param))
		if actor.IsAdmin() || (err == nil && id == actor.UserID) {
			return c.Next()
		}
		return web.NewError(http.StatusNotFound, "not_found")
	}
}

// BearerToken extracts the token of an `Authorization: Bearer` header.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func unauthenticated(c *fiber.Ctx) error {
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="keel"`)
	return web.NewError(http.StatusUnauthorized, "unauthenticated")
}
