// Package user serves the user context over HTTP: /v1/users (own profile, and the admin
// list, read, update and delete), with the `User` resource shared by the auth routes.
package user

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
)

// Response is the API's `User`. It is the user context's event payload itself, so an
// event's data is exactly the resource as the REST API returns it.
type Response = user.Payload

// ToResponse converts a user for the API.
func ToResponse(u *user.User) Response { return user.PayloadOf(u) }

// Handler serves /v1/users.
type Handler struct {
	Users   *user.Service
	Cursors *web.Cursors
	// SignedIn and Admin are the authentication and authorisation middleware.
	SignedIn fiber.Handler
	Admin    fiber.Handler
}

// Mount installs the routes.
func (h *Handler) Mount(r fiber.Router) {
	g := r.Group("/v1/users", h.SignedIn)
	g.Get("/me", h.me)
	g.Patch("/me", h.updateMe)
	g.Get("/", h.Admin, h.list)
	g.Get("/:id", h.Admin, h.get)
	g.Patch("/:id", h.Admin, h.adminUpdate)
	g.Delete("/:id", h.Admin, h.delete)
}

func (h *Handler) me(c *fiber.Ctx) error {
	actor, _ := web.Actor(c)
	u, err := h.Users.Get(c.UserContext(), actor.UserID)
	if err != nil {
		return err
	}
	return c.JSON(ToResponse(u))
}

type profileRequest struct {
	Name   *string `json:"name"`
	Locale *string `json:"locale"`
}

func (h *Handler) updateMe(c *fiber.Ctx) error {
	var req profileRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	actor, _ := web.Actor(c)
	u, err := h.Users.UpdateProfile(c.UserContext(), actor.UserID, user.ProfileChange{Name: req.Name, Locale: req.Locale})
	if err != nil {
		return err
	}
	return c.JSON(ToResponse(u))
}

func (h *Handler) get(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := h.Users.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(ToResponse(u))
}

type adminRequest struct {
	Role   *string `json:"role"`
	Status *string `json:"status"`
	Name   *string `json:"name"`
}

func (h *Handler) adminUpdate(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req adminRequest
	if err := web.Decode(c, &req); err != nil {
		return err
	}
	u, err := h.Users.AdminUpdate(c.UserContext(), id, user.AdminChange{Role: req.Role, Status: req.Status, Name: req.Name})
	if err != nil {
		return err
	}
	return c.JSON(ToResponse(u))
}

func (h *Handler) delete(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := h.Users.Delete(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *Handler) list(c *fiber.Ctx) error {
	q := web.Query(c)
	f := user.Filter{Q: q.String("q")}
	var role, status string
	if role = q.String("role"); role != "" {
		r, err := kernel.ParseRole(role)
		q.Fail("role", err)
		f.Role = r
	}
	if status = q.String("status"); status != "" {
		st, err := user.ParseStatus(status)
		q.Fail("status", err)
		f.Status = st
	}
	list := "users\x00" + f.Q + "\x00" + role + "\x00" + status
	page, err := q.Page(h.Cursors, list)
	if err != nil {
		return err
	}
	users, more, err := h.Users.List(c.UserContext(), f, page)
	if err != nil {
		return err
	}
	return c.JSON(web.NewPage(h.Cursors, list, users, page.Limit, more, (*user.User).ID, ToResponse))
}

// pathID parses the :id parameter; a malformed id is a resource that does not exist.
func pathID(c *fiber.Ctx) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return uuid.Nil, user.ErrNotFound
	}
	return id, nil
}
