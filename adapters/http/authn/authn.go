// Package authn authenticates API requests by their bearer access token. It decides
// nothing else: each use case applies its own authorization policy to the actor it is
// given (admin only, owner or admin, self).
package authn

import (
	"context"
	"net/http"

	"github.com/gofiber/fiber/v2"

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

// Middleware holds the authentication handler.
type Middleware struct {
	Auth   Authenticator
	Bundle *i18n.Bundle
}

// SignedIn requires a valid bearer token of an active session and puts the actor in the
// request context. When the client did not choose a language, the user's locale is used.
func (m *Middleware) SignedIn(c *fiber.Ctx) error {
	token, ok := web.BearerToken(c.Get(fiber.HeaderAuthorization))
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

func unauthenticated(c *fiber.Ctx) error {
	c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="keel"`)
	return web.NewError(http.StatusUnauthorized, "unauthenticated")
}
