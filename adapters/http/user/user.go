// Package user serves the user context over HTTP: the `User` resource, its converter
// (which also gives the wire data of the context's events), and the /v1/users routes.
package user

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/user"
	"github.com/keelhq/keel/ports"
)

// User is the API's `User` resource.
type User struct {
	ID            uuid.UUID `json:"id" required:"true"`
	Email         string    `json:"email" required:"true" format:"email"`
	Name          string    `json:"name" required:"true"`
	Role          string    `json:"role" required:"true" enum:"user,admin"`
	Status        string    `json:"status" required:"true" enum:"active,disabled"`
	Locale        string    `json:"locale" required:"true" enum:"en,de,es"`
	EmailVerified bool      `json:"emailVerified" required:"true"`
	CreatedAt     time.Time `json:"createdAt" required:"true"`
	UpdatedAt     time.Time `json:"updatedAt" required:"true"`
}

// toResource converts a user's state for the API.
func toResource(r user.Record) User {
	return User{
		ID: r.ID, Email: r.Email, Name: r.Name, Role: r.Role, Status: r.Status, Locale: r.Locale,
		EmailVerified: !r.EmailVerifiedAt.IsZero(), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// ToResource converts a user for the API.
func ToResource(u *user.User) User { return toResource(u.Record()) }

// EventData is the wire data of the user context's events: the resource as the REST API
// returns it, by the same converter (an outbox Encoding).
func EventData(ev ports.Event) (any, bool) {
	e, ok := ev.(user.Event)
	if !ok {
		return nil, false
	}
	return toResource(e.User), true
}

// Handler serves /v1/users.
type Handler struct {
	Users   *user.Service
	Cursors *web.Cursors
}

// byID is the input of the routes on one account.
type byID struct {
	ID uuid.UUID `path:"id" json:"-" format:"uuid" description:"The account's id."`
}

// profileChange is a user's edit of their own profile.
type profileChange struct {
	Name   *string `json:"name,omitempty" minLength:"1" maxLength:"100" description:"Display name; surrounding spaces are trimmed."`
	Locale *string `json:"locale,omitempty" enum:"en,de,es"`
}

// adminChange is an administrator's edit of an account.
type adminChange struct {
	byID
	Role   *string `json:"role,omitempty" enum:"user,admin"`
	Status *string `json:"status,omitempty" enum:"active,disabled" description:"Disabling revokes every session of the account."`
	Name   *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
}

// listQuery is the administrators' search of accounts.
type listQuery struct {
	route.PageQuery
	Q      string `query:"q" json:"-" description:"Prefix of the e-mail address or of the name (case-insensitive)."`
	Role   string `query:"role" json:"-" enum:"user,admin"`
	Status string `query:"status" json:"-" enum:"active,disabled"`

	filter user.Filter
}

// Validate implements route.Validator: the filters become the domain's.
func (q *listQuery) Validate() (err error) {
	q.filter, err = user.ParseFilter(q.Q, q.Role, q.Status)
	return err
}

// Routes returns the /v1/users operations.
func (h *Handler) Routes() []route.Route {
	tags := []string{"Users"}
	return []route.Route{
		route.Op(route.Route{
			Method: http.MethodGet, Path: "/v1/users/me", ID: "users.me", Tags: tags, Access: route.SignedIn,
			Summary: "Read your own account",
		}, h.me),
		route.Op(route.Route{
			Method: http.MethodPatch, Path: "/v1/users/me", ID: "users.updateMe", Tags: tags, Access: route.SignedIn,
			Summary: "Change your own name or language",
		}, h.updateMe),
		route.Op(route.Route{
			Method: http.MethodGet, Path: "/v1/users", ID: "users.list", Tags: tags, Access: route.Admin, Policy: user.AdminOnly,
			Summary: "List accounts", Description: "Keyset pages, newest first.",
			Problems: []error{kernel.ErrInvalidCursor},
		}, h.list),
		route.Op(route.Route{
			Method: http.MethodGet, Path: "/v1/users/{id}", ID: "users.get", Tags: tags, Access: route.Admin, Policy: user.AdminOnly,
			Summary: "Read an account", Problems: []error{user.ErrNotFound},
		}, h.get),
		route.Op(route.Route{
			Method: http.MethodPatch, Path: "/v1/users/{id}", ID: "users.update", Tags: tags, Access: route.Admin, Policy: user.AdminOnly,
			Summary:     "Change an account's role, status or name",
			Description: "No change may leave the service without an active administrator.",
			Problems:    []error{user.ErrNotFound, user.ErrLastAdmin, user.ErrEmailTaken},
		}, h.adminUpdate),
		route.Op(route.Route{
			Method: http.MethodDelete, Path: "/v1/users/{id}", ID: "users.delete", Tags: tags, Access: route.Admin, Policy: user.AdminOnly,
			Summary:     "Delete an account",
			Description: "The account is anonymised and disabled, its credentials and sessions removed; its audit trail stays.",
			Problems:    []error{user.ErrNotFound, user.ErrLastAdmin},
		}, h.delete),
	}
}

func actor(c *fiber.Ctx) ports.Actor {
	a, _ := web.Actor(c)
	return a
}

func (h *Handler) me(c *fiber.Ctx, _ *struct{}) (User, error) {
	u, err := h.Users.Me(c.UserContext(), actor(c))
	if err != nil {
		return User{}, err
	}
	return ToResource(u), nil
}

func (h *Handler) updateMe(c *fiber.Ctx, in *profileChange) (User, error) {
	u, err := h.Users.UpdateProfile(c.UserContext(), actor(c), user.ProfileChange{Name: in.Name, Locale: in.Locale})
	if err != nil {
		return User{}, err
	}
	return ToResource(u), nil
}

func (h *Handler) get(c *fiber.Ctx, in *byID) (User, error) {
	u, err := h.Users.Get(c.UserContext(), actor(c), in.ID)
	if err != nil {
		return User{}, err
	}
	return ToResource(u), nil
}

func (h *Handler) adminUpdate(c *fiber.Ctx, in *adminChange) (User, error) {
	u, err := h.Users.AdminUpdate(c.UserContext(), actor(c), in.ID, user.AdminChange{Role: in.Role, Status: in.Status, Name: in.Name})
	if err != nil {
		return User{}, err
	}
	return ToResource(u), nil
}

func (h *Handler) delete(c *fiber.Ctx, in *byID) (route.NoContent, error) {
	return route.NoContent{}, h.Users.Delete(c.UserContext(), actor(c), in.ID)
}

func (h *Handler) list(c *fiber.Ctx, in *listQuery) (web.Page[User], error) {
	list := "users\x00" + in.Q + "\x00" + in.Role + "\x00" + in.Status
	page, err := h.Cursors.Page(list, in.PageQuery.Limit, in.PageQuery.Cursor)
	if err != nil {
		return web.Page[User]{}, err
	}
	users, more, err := h.Users.List(c.UserContext(), actor(c), in.filter, page)
	if err != nil {
		return web.Page[User]{}, err
	}
	return web.NewPage(h.Cursors, list, users, page.Limit, more, (*user.User).ID, ToResource), nil
}
