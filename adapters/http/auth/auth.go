// Package auth serves the auth context over HTTP: /v1/auth (sign-up, sign-in, token
// refresh with the refresh cookie for browsers, sessions, passwords, e-mail verification).
package auth

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	httpuser "github.com/keelhq/keel/adapters/http/user"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/user"
)

// Throttler limits attempts per subject within a bucket, answering 429 itself.
type Throttler interface {
	Throttle(c *fiber.Ctx, bucket, subject string) error
}

// Handler serves /v1/auth.
type Handler struct {
	Auth         *auth.Service
	Registration *identity.Registration
	Users        *user.Service
	SignedIn     fiber.Handler
	Throttle     Throttler
	// Origins are the browser origins allowed to refresh with the cookie.
	Origins *web.Origins
	// CookieMaxAge is the refresh cookie's lifetime (the absolute session lifetime).
	CookieMaxAge time.Duration
}

// Mount installs the routes.
func (h *Handler) Mount(r fiber.Router) {
	g := r.Group("/v1/auth")
	g.Post("/register", h.register)
	g.Post("/login", h.login)
	g.Post("/refresh", h.refresh)
	g.Post("/logout", h.SignedIn, h.logout)
	g.Post("/logout-all", h.SignedIn, h.logoutAll)
	g.Get("/me", h.SignedIn, h.me)
	g.Get("/sessions", h.SignedIn, h.sessions)
	g.Delete("/sessions/:id", h.SignedIn, h.revokeSession)
	g.Post("/password", h.SignedIn, h.changePassword)
	g.Post("/password/forgot", h.forgot)
	g.Post("/password/reset", h.reset)
	g.Post("/email/verify/request", h.SignedIn, h.requestVerification)
	g.Post("/email/verify", h.verify)
}

// tokenResponse is the API's TokenPair, with the user on sign-up and sign-in.
type tokenResponse struct {
	AccessToken  string             `json:"accessToken"`
	RefreshToken string             `json:"refreshToken"`
	TokenType    string             `json:"tokenType"`
	ExpiresIn    int                `json:"expiresIn"`
	User         *httpuser.Response `json:"user,omitempty"`
}

func toTokenResponse(p auth.TokenPair, u *user.User) tokenResponse {
	r := tokenResponse{
		AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, TokenType: "Bearer",
		ExpiresIn: int(p.ExpiresIn / time.Second),
	}
	if u != nil {
		resp := httpuser.ToResponse(u)
		r.User = &resp
	}
	return r
}

func client(c *fiber.Ctx) auth.Client {
	return auth.Client{UserAgent: c.Get(fiber.HeaderUserAgent), IP: c.IP()}
}

type registerRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
	Locale   string `json:"locale"`
}

func (h *Handler) register(c *fiber.Ctx) error {
	var req registerRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	if err := h.Throttle.Throttle(c, "register", req.Email+"|"+c.IP()); err != nil {
		return err
	}
	pair, u, err := h.Registration.Register(c.UserContext(), identity.NewAccount{
		Email: req.Email, Password: req.Password, Name: req.Name, Locale: req.Locale,
	}, client(c))
	if err != nil {
		return err
	}
	h.setCookie(c, pair.RefreshToken)
	return c.Status(http.StatusCreated).JSON(toTokenResponse(pair, u))
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (h *Handler) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	if err := h.Throttle.Throttle(c, "login", req.Email+"|"+c.IP()); err != nil {
		return err
	}
	pair, acc, err := h.Auth.Login(c.UserContext(), req.Email, req.Password, client(c))
	if err != nil {
		return err
	}
	u, err := h.Users.Get(c.UserContext(), acc.ID)
	if err != nil {
		return err
	}
	h.setCookie(c, pair.RefreshToken)
	return c.JSON(toTokenResponse(pair, u))
}

type refreshRequest struct {
	RefreshToken string `json:"refreshToken"`
}

func (h *Handler) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	token := req.RefreshToken
	if token == "" {
		token = c.Cookies(cookieName)
		// A browser refreshing with its cookie: only from an allowed origin (CSRF).
		if token != "" && !h.Origins.Allowed(c.Get(fiber.HeaderOrigin)) {
			return web.NewError(http.StatusForbidden, "origin_not_allowed")
		}
	}
	pair, err := h.Auth.Refresh(c.UserContext(), token, client(c))
	if err != nil {
		return err
	}
	h.setCookie(c, pair.RefreshToken)
	return c.JSON(toTokenResponse(pair, nil))
}

func (h *Handler) logout(c *fiber.Ctx) error {
	actor, _ := web.Actor(c)
	if err := h.Auth.Logout(c.UserContext(), actor); err != nil {
		return err
	}
	h.clearCookie(c)
	return c.SendStatus(http.StatusNoContent)
}

func (h *Handler) logoutAll(c *fiber.Ctx) error {
	actor, _ := web.Actor(c)
	if err := h.Auth.LogoutAll(c.UserContext(), actor); err != nil {
		return err
	}
	h.clearCookie(c)
	return c.SendStatus(http.StatusNoContent)
}

func (h *Handler) me(c *fiber.Ctx) error {
	actor, _ := web.Actor(c)
	u, err := h.Users.Get(c.UserContext(), actor.UserID)
	if err != nil {
		return err
	}
	return c.JSON(httpuser.ToResponse(u))
}

type sessionResponse struct {
	ID         uuid.UUID `json:"id"`
	CreatedAt  time.Time `json:"createdAt"`
	LastUsedAt time.Time `json:"lastUsedAt"`
	UserAgent  string    `json:"userAgent"`
	IP         string    `json:"ip"`
	Current    bool      `json:"current"`
}

func (h *Handler) sessions(c *fiber.Ctx) error {
	actor, _ := web.Actor(c)
	list, err := h.Auth.Sessions(c.UserContext(), actor.UserID)
	if err != nil {
		return err
	}
	out := web.List[sessionResponse]{Data: make([]sessionResponse, 0, len(list))}
	for _, s := range list {
		out.Data = append(out.Data, sessionResponse{
			ID: s.ID, CreatedAt: s.CreatedAt.UTC(), LastUsedAt: s.LastUsedAt.UTC(),
			UserAgent: s.UserAgent, IP: s.IP, Current: s.ID == actor.SessionID,
		})
	}
	return c.JSON(out)
}

func (h *Handler) revokeSession(c *fiber.Ctx) error {
	actor, _ := web.Actor(c)
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return auth.ErrSessionNotFound
	}
	if err := h.Auth.RevokeSession(c.UserContext(), actor.UserID, id); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
