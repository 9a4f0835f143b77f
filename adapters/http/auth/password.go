package auth

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/keelhq/keel/adapters/http/web"
)

type changePasswordRequest struct {
	CurrentPassword string `json:"currentPassword"`
	NewPassword     string `json:"newPassword"`
}

func (h *Handler) changePassword(c *fiber.Ctx) error {
	var req changePasswordRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	actor, _ := web.Actor(c)
	if err := h.Auth.ChangePassword(c.UserContext(), actor, req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

type forgotRequest struct {
	Email string `json:"email"`
}

// forgot answers 202 whether or not the address has an account.
func (h *Handler) forgot(c *fiber.Ctx) error {
	var req forgotRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	if err := h.Throttle.Throttle(c, "forgot", req.Email+"|"+c.IP()); err != nil {
		return err
	}
	if err := h.Auth.ForgotPassword(c.UserContext(), req.Email); err != nil {
		return err
	}
	return c.SendStatus(http.StatusAccepted)
}

type resetRequest struct {
	Token       string `json:"token"`
	NewPassword string `json:"newPassword"`
}

func (h *Handler) reset(c *fiber.Ctx) error {
	var req resetRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	if err := h.Auth.ResetPassword(c.UserContext(), req.Token, req.NewPassword); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (h *Handler) requestVerification(c *fiber.Ctx) error {
	actor, _ := web.Actor(c)
	if err := h.Auth.RequestEmailVerification(c.UserContext(), actor.UserID); err != nil {
		return err
	}
	return c.SendStatus(http.StatusAccepted)
}

type verifyRequest struct {
	Token string `json:"token"`
}

func (h *Handler) verify(c *fiber.Ctx) error {
	var req verifyRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	if err := h.Auth.VerifyEmail(c.UserContext(), req.Token); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// cookieName is the browser's refresh-token cookie, scoped to /v1/auth.
const cookieName = "keel_refresh"

// setCookie stores the refresh token in an HttpOnly cookie: SameSite=Lax over plain
// HTTP (development), Secure and SameSite=None over HTTPS.
func (h *Handler) setCookie(c *fiber.Ctx, token string) {
	secure := c.Protocol() == "https"
	sameSite := fiber.CookieSameSiteLaxMode
	if secure {
		sameSite = fiber.CookieSameSiteNoneMode
	}
	c.Cookie(&fiber.Cookie{
		Name: cookieName, Value: token, Path: "/v1/auth", HTTPOnly: true, Secure: secure,
		SameSite: sameSite, MaxAge: int(h.CookieMaxAge / time.Second),
	})
}

func (h *Handler) clearCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: cookieName, Value: "", Path: "/v1/auth", HTTPOnly: true, MaxAge: -1,
		Expires: time.Unix(0, 0), Secure: c.Protocol() == "https"})
}
