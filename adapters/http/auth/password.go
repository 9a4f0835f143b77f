package auth

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/user"
)

type changePasswordInput struct {
	CurrentPassword string `json:"currentPassword" required:"true"`
	NewPassword     string `json:"newPassword" required:"true" minLength:"8" maxLength:"128"`
}

func (h *Handler) changePassword(c *fiber.Ctx, in *changePasswordInput) (route.NoContent, error) {
	return route.NoContent{}, h.Auth.ChangePassword(c.UserContext(), actor(c), in.CurrentPassword, in.NewPassword)
}

type forgotInput struct {
	Email string `json:"email" required:"true" format:"email"`
}

// forgot answers 202 whether or not the address has an account.
func (h *Handler) forgot(c *fiber.Ctx, in *forgotInput) (route.NoContent, error) {
	if err := h.throttle(c, "forgot", in.Email); err != nil {
		return route.NoContent{}, err
	}
	return route.NoContent{}, h.Auth.ForgotPassword(c.UserContext(), in.Email)
}

type resetInput struct {
	Token       string `json:"token" required:"true" description:"The token of the reset e-mail's link."`
	NewPassword string `json:"newPassword" required:"true" minLength:"8" maxLength:"128"`
}

func (h *Handler) reset(c *fiber.Ctx, in *resetInput) (route.NoContent, error) {
	return route.NoContent{}, h.Auth.ResetPassword(c.UserContext(), in.Token, in.NewPassword)
}

func (h *Handler) requestVerification(c *fiber.Ctx, _ *struct{}) (route.NoContent, error) {
	return route.NoContent{}, h.Auth.RequestEmailVerification(c.UserContext(), actor(c))
}

type verifyInput struct {
	Token string `json:"token" required:"true" description:"The token of the verification e-mail's link."`
}

func (h *Handler) verify(c *fiber.Ctx, in *verifyInput) (route.NoContent, error) {
	return route.NoContent{}, h.Verification.VerifyEmail(c.UserContext(), in.Token)
}

// Routes returns the /v1/auth operations.
func (h *Handler) Routes() []route.Route {
	tags := []string{"Auth"}
	throttled := web.NewError(http.StatusTooManyRequests, "too_many_attempts")
	op := func(method, path, id string, access route.Access, summary string, problems ...error) route.Route {
		return route.Route{Method: method, Path: "/v1/auth" + path, ID: "auth." + id, Tags: tags, Access: access,
			Summary: summary, Problems: problems}
	}
	register := op(http.MethodPost, "/register", "register", route.Public, "Sign up", user.ErrEmailTaken, throttled)
	register.Status = http.StatusCreated
	forgot := op(http.MethodPost, "/password/forgot", "forgotPassword", route.Public,
		"Ask for a password-reset e-mail", throttled)
	forgot.Status = http.StatusAccepted
	forgot.Description = "Always 202, whether or not the address has an account."
	verifyRequest := op(http.MethodPost, "/email/verify/request", "requestEmailVerification", route.SignedIn,
		"Ask for an e-mail verification link")
	verifyRequest.Status = http.StatusAccepted
	return []route.Route{
		route.Op(register, h.register),
		route.Op(op(http.MethodPost, "/login", "login", route.Public, "Sign in",
			auth.ErrInvalidCredentials, auth.ErrAccountDisabled, throttled), h.login),
		route.Op(op(http.MethodPost, "/refresh", "refresh", route.Public, "Exchange a refresh token for a new pair",
			auth.ErrInvalidRefreshToken, auth.ErrRefreshTokenReused, errOriginNotAllowed), h.refresh),
		route.Op(op(http.MethodPost, "/logout", "logout", route.SignedIn, "Sign out this session"), h.logout),
		route.Op(op(http.MethodPost, "/logout-all", "logoutAll", route.SignedIn, "Sign out every session"), h.logoutAll),
		route.Op(op(http.MethodGet, "/me", "me", route.SignedIn, "Read your own account"), h.me),
		route.Op(op(http.MethodGet, "/sessions", "sessions", route.SignedIn, "List your active sessions"), h.sessions),
		route.Op(op(http.MethodDelete, "/sessions/{id}", "revokeSession", route.SignedIn, "Revoke one of your sessions",
			auth.ErrSessionNotFound), h.revokeSession),
		route.Op(op(http.MethodPost, "/password", "changePassword", route.SignedIn,
			"Change your password; every other session is revoked", auth.ErrInvalidCurrentPassword), h.changePassword),
		route.Op(forgot, h.forgot),
		route.Op(op(http.MethodPost, "/password/reset", "resetPassword", route.Public,
			"Set a new password with a reset token; every session is revoked", auth.ErrInvalidOrExpiredToken), h.reset),
		route.Op(verifyRequest, h.requestVerification),
		route.Op(op(http.MethodPost, "/email/verify", "verifyEmail", route.Public, "Confirm your e-mail address",
			auth.ErrInvalidOrExpiredToken), h.verify),
	}
}

// cookieName is the browser's refresh-token cookie, scoped to /v1/auth.
const cookieName = "keel_refresh"

// setCookie stores the refresh token in an HttpOnly cookie: SameSite=Lax over plain
// HTTP (development), Secure and SameSite=None over HTTPS.
func (h *Handler) setCookie(c *fiber.Ctx, token string) {
	c.Cookie(refreshCookie(c, token, int(h.CookieMaxAge/time.Second)))
}

// clearCookie removes the refresh cookie, with the attributes it was set with (a browser
// ignores a cross-site Set-Cookie whose SameSite does not allow it).
func (h *Handler) clearCookie(c *fiber.Ctx) {
	cookie := refreshCookie(c, "", -1)
	cookie.Expires = time.Unix(0, 0)
	c.Cookie(cookie)
}

func refreshCookie(c *fiber.Ctx, value string, maxAge int) *fiber.Cookie {
	secure := web.HTTPS(c)
	sameSite := fiber.CookieSameSiteLaxMode
	if secure {
		sameSite = fiber.CookieSameSiteNoneMode
	}
	return &fiber.Cookie{
		Name: cookieName, Value: value, Path: "/v1/auth", HTTPOnly: true, Secure: secure,
		SameSite: sameSite, MaxAge: maxAge,
	}
}
