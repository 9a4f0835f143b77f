// Package audit serves the audit trail to administrators: GET /v1/audit-logs.
package audit

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/audit"
)

// Handler serves /v1/audit-logs.
type Handler struct {
	Audit    *audit.Service
	Cursors  *web.Cursors
	SignedIn fiber.Handler
	Admin    fiber.Handler
}

// Mount installs the routes.
func (h *Handler) Mount(r fiber.Router) {
	r.Get("/v1/audit-logs", h.SignedIn, h.Admin, h.list)
}

// entryResponse is one audit entry as the API shows it.
type entryResponse struct {
	ID        uuid.UUID       `json:"id"`
	ActorID   *uuid.UUID      `json:"actorId"`
	Action    string          `json:"action"`
	Entity    string          `json:"entity"`
	EntityID  string          `json:"entityId"`
	IP        string          `json:"ip"`
	RequestID string          `json:"requestId"`
	Changes   json.RawMessage `json:"changes"`
	CreatedAt time.Time       `json:"createdAt"`
}

func toResponse(e audit.Entry) entryResponse {
	r := entryResponse{
		ID: e.ID, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, IP: e.IP,
		RequestID: e.RequestID, CreatedAt: e.CreatedAt.UTC(), Changes: json.RawMessage("{}"),
	}
	if e.ActorID != uuid.Nil {
		id := e.ActorID
		r.ActorID = &id
	}
	if len(e.Changes) > 0 {
		if b, err := json.Marshal(e.Changes); err == nil {
			r.Changes = b
		}
	}
	return r
}

func (h *Handler) list(c *fiber.Ctx) error {
	q := web.Query(c)
	f := audit.Filter{
		ActorID: q.UUID("actorId"), Entity: q.String("entity"), EntityID: q.String("entityId"),
		Action: q.String("action"), From: q.Time("from"), To: q.Time("to"),
	}
	list := "audit\x00" + f.ActorID.String() + "\x00" + f.Entity + "\x00" + f.EntityID + "\x00" + f.Action +
		"\x00" + q.String("from") + "\x00" + q.String("to")
	page, err := q.Page(h.Cursors, list)
	if err != nil {
		return err
	}
	entries, more, err := h.Audit.List(c.UserContext(), f, page)
	if err != nil {
		return err
	}
	id := func(e audit.Entry) uuid.UUID { return e.ID }
	return c.JSON(web.NewPage(h.Cursors, list, entries, page.Limit, more, id, toResponse))
}
