// Package audit serves the audit trail to administrators over HTTP: the `AuditEntry`
// resource and GET /v1/audit-logs.
package audit

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/audit"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/validate"
)

// Change is one field's change in an audit entry.
type Change struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// Entry is the API's audit entry resource.
type Entry struct {
	ID        uuid.UUID  `json:"id" required:"true"`
	ActorID   *uuid.UUID `json:"actorId" required:"true" description:"null when the system acted."`
	Action    string     `json:"action" required:"true" example:"user.updated"`
	Entity    string     `json:"entity" required:"true" example:"user"`
	EntityID  string     `json:"entityId" required:"true"`
	IP        string     `json:"ip" required:"true"`
	RequestID string     `json:"requestId" required:"true"`
	// Changes is keyed by the API's name of each changed field; secrets never appear.
	Changes   map[string]Change `json:"changes" required:"true"`
	CreatedAt time.Time         `json:"createdAt" required:"true"`
}

// toResource converts an entry for the API.
func toResource(e audit.Entry) Entry {
	r := Entry{
		ID: e.ID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, IP: e.IP,
		RequestID: e.RequestID, CreatedAt: e.CreatedAt.UTC(), Changes: make(map[string]Change, len(e.Changes)),
	}
	if e.ActorID != uuid.Nil {
		id := e.ActorID
		r.ActorID = &id
	}
	for field, ch := range e.Changes {
		r.Changes[validate.JSONName(field)] = Change{From: ch.From, To: ch.To}
	}
	return r
}

// Handler serves /v1/audit-logs.
type Handler struct {
	Audit   *audit.Service
	Cursors *web.Cursors
}

// listQuery filters the trail.
type listQuery struct {
	route.PageQuery
	ActorID  uuid.UUID `query:"actorId" json:"-" format:"uuid"`
	Entity   string    `query:"entity" json:"-" example:"user"`
	EntityID string    `query:"entityId" json:"-"`
	Action   string    `query:"action" json:"-" example:"user.updated"`
	From     time.Time `query:"from" json:"-" description:"RFC 3339; entries at or after."`
	To       time.Time `query:"to" json:"-" description:"RFC 3339; entries before."`
}

// Routes returns the /v1/audit-logs operations.
func (h *Handler) Routes() []route.Route {
	return []route.Route{
		route.Op(route.Route{
			Method: http.MethodGet, Path: "/v1/audit-logs", ID: "audit.list", Tags: []string{"Audit"},
			Access: route.Admin, Policy: audit.AdminOnly, Summary: "List the audit trail",
			Description: "Every state-changing action of every context, newest first, in keyset pages.",
			Problems:    []error{kernel.ErrInvalidCursor},
		}, h.list),
	}
}

func (h *Handler) list(c *fiber.Ctx, in *listQuery) (web.Page[Entry], error) {
	f := audit.Filter{ActorID: in.ActorID, Entity: in.Entity, EntityID: in.EntityID, Action: in.Action, From: in.From, To: in.To}
	list := "audit\x00" + f.ActorID.String() + "\x00" + f.Entity + "\x00" + f.EntityID + "\x00" + f.Action +
		"\x00" + f.From.Format(time.RFC3339Nano) + "\x00" + f.To.Format(time.RFC3339Nano)
	page, err := h.Cursors.Page(list, in.Limit, in.Cursor)
	if err != nil {
		return web.Page[Entry]{}, err
	}
	actor, _ := web.Actor(c)
	entries, more, err := h.Audit.List(c.UserContext(), actor, f, page)
	if err != nil {
		return web.Page[Entry]{}, err
	}
	id := func(e audit.Entry) uuid.UUID { return e.ID }
	return web.NewPage(h.Cursors, list, entries, page.Limit, more, id, toResource), nil
}
