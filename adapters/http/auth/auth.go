// Package auth serves the auth context over HTTP: the `TokenPair` and `Session`
// resources, and /v1/auth (sign-up, sign-in, token refresh with the refresh cookie for
// browsers, sessions, passwords, e-mail verification).
package auth

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/route"
	httpuser "github.com/keelhq/keel/adapters/http/user"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

// Throttler limits attempts per subject within a bucket, answering 429 itself.
type Throttler interface {
	Throttle(c *fiber.Ctx, bucket, subject string) error
}

// Handler serves /v1/auth.
type Handler struct {
	Auth         *auth.Service
	Registration *identity.Registration
	Verification *identity.Verification
	Users        *user.Service
	Throttle     Throttler
	// Origins are the browser origins allowed to refresh with the cookie.
	Origins *web.Origins
	// CookieMaxAge is the refresh cookie's lifetime (the absolute session lifetime).
	CookieMaxAge time.Duration
}

// TokenPair is the API's `TokenPair`, with the user on sign-up and sign-in.
type TokenPair struct {
	AccessToken  string         `json:"accessToken" required:"true" description:"A JWT for the Authorization: Bearer header."`
	RefreshToken string         `json:"refreshToken" required:"true" description:"Opaque and single use; also set as the keel_refresh cookie."`
	TokenType    string         `json:"tokenType" required:"true" enum:"Bearer"`
	ExpiresIn    int            `json:"expiresIn" required:"true" description:"Seconds until the access token expires."`
	User         *httpuser.User `json:"user,omitempty" description:"The account, on sign-up and sign-in."`
}

func toTokenPair(p auth.TokenPair, u *user.User) TokenPair {
	r := TokenPair{
		AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, TokenType: "Bearer",
		ExpiresIn: int(p.ExpiresIn / time.Second),
	}
	if u != nil {
		resp := httpuser.ToResource(u)
		r.User = &resp
	}
	return r
}

// Session is the API's session resource.
type Session struct {
	ID         uuid.UUID `json:"id" required:"true"`
	CreatedAt  time.Time `json:"createdAt" required:"true"`
	LastUsedAt time.Time `json:"lastUsedAt" required:"true"`
	UserAgent  string    `json:"userAgent" required:"true"`
	IP         string    `json:"ip" required:"true"`
	Current    bool      `json:"current" required:"true" description:"Whether this is the session of the request's token."`
}

// toSession converts a session's state for the API, as seen from the session current.
func toSession(s auth.SessionRecord, current uuid.UUID) Session {
	return Session{
		ID: s.ID, CreatedAt: s.CreatedAt.UTC(), LastUsedAt: s.LastUsedAt.UTC(), UserAgent: s.UserAgent,
		IP: s.IP, Current: s.ID == current,
	}
}

// EventData is the wire data of the auth context's events: the session resource as the
// REST API returns it, by the same converter (an outbox Encoding).
func EventData(ev ports.Event) (any, bool) {
	e, ok := ev.(auth.Event)
	if !ok {
		return nil, false
	}
	return toSession(e.Session, uuid.Nil), true
}

// throttle limits attempts per e-mail address and client IP in bucket. The address is
// keyed as the use case reads it (kernel.ParseEmail), so that spellings of one address,
// padded or in capitals, share one budget; one the use case refuses is keyed as sent.
func (h *Handler) throttle(c *fiber.Ctx, bucket, email string) error {
	key := email
	if addr, err := kernel.ParseEmail(email); err == nil {
		key = addr.String()
	}
	return h.Throttle.Throttle(c, bucket, key+"|"+web.ClientIP(c))
}

func client(c *fiber.Ctx) auth.Client {
	return auth.Client{UserAgent: c.Get(fiber.HeaderUserAgent), IP: web.ClientIP(c)}
}

func actor(c *fiber.Ctx) ports.Actor {
	a, _ := web.Actor(c)
	return a
}

type registerInput struct {
	Email    string `json:"email" required:"true" format:"email" maxLength:"254"`
	Password string `json:"password" required:"true" minLength:"8" maxLength:"128"`
	Name     string `json:"name" required:"true" minLength:"1" maxLength:"100"`
	Locale   string `json:"locale,omitempty" enum:"en,de,es" description:"en when absent."`
}

func (h *Handler) register(c *fiber.Ctx, in *registerInput) (TokenPair, error) {
	if err := h.throttle(c, "register", in.Email); err != nil {
		return TokenPair{}, err
	}
	pair, u, err := h.Registration.Register(c.UserContext(), identity.NewAccount{
		Email: in.Email, Password: in.Password, Name: in.Name, Locale: in.Locale,
	}, client(c))
	if err != nil {
		return TokenPair{}, err
	}
	h.setCookie(c, pair.RefreshToken)
	return toTokenPair(pair, u), nil
}

type loginInput struct {
	Email    string `json:"email" required:"true" format:"email"`
	Password string `json:"password" required:"true"`
}

func (h *Handler) login(c *fiber.Ctx, in *loginInput) (TokenPair, error) {
	if err := h.throttle(c, "login", in.Email); err != nil {
		return TokenPair{}, err
	}
	pair, acc, err := h.Auth.Login(c.UserContext(), in.Email, in.Password, client(c))
	if err != nil {
		return TokenPair{}, err
	}
	u, err := h.Users.Me(c.UserContext(), ports.Actor{UserID: acc.ID, SessionID: pair.SessionID, Role: acc.Role})
	if err != nil {
		return TokenPair{}, err
	}
	h.setCookie(c, pair.RefreshToken)
	return toTokenPair(pair, u), nil
}

type refreshInput struct {
	RefreshToken string `json:"refreshToken,omitempty" description:"The refresh token; a browser may send none and rely on the cookie."`
	Cookie       string `cookie:"keel_refresh" json:"-" description:"The refresh cookie, accepted from an allowed Origin only."`
}

func (h *Handler) refresh(c *fiber.Ctx, in *refreshInput) (TokenPair, error) {
	token := in.RefreshToken
	if token == "" {
		token = in.Cookie
		// A browser refreshing with its cookie: only from an allowed origin (CSRF).
		if token != "" && !h.Origins.Allowed(c.Get(fiber.HeaderOrigin)) {
			return TokenPair{}, errOriginNotAllowed
		}
	}
	pair, err := h.Auth.Refresh(c.UserContext(), token, client(c))
	if err != nil {
		return TokenPair{}, err
	}
	h.setCookie(c, pair.RefreshToken)
	return toTokenPair(pair, nil), nil
}

var errOriginNotAllowed = web.NewError(http.StatusForbidden, "origin_not_allowed")

func (h *Handler) logout(c *fiber.Ctx, _ *struct{}) (route.NoContent, error) {
	if err := h.Auth.Logout(c.UserContext(), actor(c)); err != nil {
		return route.NoContent{}, err
	}
	h.clearCookie(c)
	return route.NoContent{}, nil
}

func (h *Handler) logoutAll(c *fiber.Ctx, _ *struct{}) (route.NoContent, error) {
	if err := h.Auth.LogoutAll(c.UserContext(), actor(c)); err != nil {
		return route.NoContent{}, err
	}
	h.clearCookie(c)
	return route.NoContent{}, nil
}

func (h *Handler) me(c *fiber.Ctx, _ *struct{}) (httpuser.User, error) {
	u, err := h.Users.Me(c.UserContext(), actor(c))
	if err != nil {
		return httpuser.User{}, err
	}
	return httpuser.ToResource(u), nil
}

func (h *Handler) sessions(c *fiber.Ctx, _ *struct{}) (web.List[Session], error) {
	a := actor(c)
	list, err := h.Auth.Sessions(c.UserContext(), a)
	if err != nil {
		return web.List[Session]{}, err
	}
	out := web.List[Session]{Data: make([]Session, 0, len(list))}
	for _, s := range list {
		out.Data = append(out.Data, toSession(s.Record(), a.SessionID))
	}
	return out, nil
}

type sessionID struct {
	ID uuid.UUID `path:"id" json:"-" format:"uuid" description:"The session's id."`
}

func (h *Handler) revokeSession(c *fiber.Ctx, in *sessionID) (route.NoContent, error) {
	return route.NoContent{}, h.Auth.RevokeSession(c.UserContext(), actor(c), in.ID)
}
