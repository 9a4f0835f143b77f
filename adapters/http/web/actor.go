package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/keelhq/keel/ports"
)

// Actor returns the signed-in principal of the request (set by the authentication
// middleware).
func Actor(c *fiber.Ctx) (ports.Actor, bool) {
	return ports.ActorFrom(c.UserContext())
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
