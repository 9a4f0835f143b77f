package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/keelhq/keel/ports"
)

// Actor returns the signed-in principal of the request (set by the authentication
// middleware).
func Actor(c *fiber.Ctx) (ports.Actor, bool) {
	return ports.ActorFrom(c.UserContext())
}
