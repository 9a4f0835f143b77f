// Package notification serves the notification context over HTTP: the `Notification`
// resource, its converter (which also gives the wire data of notification.created), and
// the /v1/notifications routes.
package notification

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/http/route"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/ports"
)

// Notification is the API's `Notification` resource, as one reader sees it.
type Notification struct {
	ID    uuid.UUID `json:"id" required:"true"`
	Kind  string    `json:"kind" required:"true" example:"admin.message" description:"What it is about: admin.message, security.new_sign_in, security.password_changed or account.role_changed (more may come)."`
	Title string    `json:"title" required:"true" description:"In the recipient's language for the service's own kinds; an administrator's text verbatim."`
	Body  string    `json:"body" required:"true"`
	// Data is the notification's machine-readable details.
	Data      map[string]any `json:"data" required:"true" description:"Machine-readable details (a JSON object, possibly empty)."`
	ReadAt    *time.Time     `json:"readAt" required:"true" description:"When you read it; null while unread. Read state is yours alone, also for a notification to everyone."`
	CreatedAt time.Time      `json:"createdAt" required:"true"`
}

// toResource converts a notification's state for the API, with the reader's read time
// (zero: unread).
func toResource(r notification.Record, readAt time.Time) Notification {
	data := r.Data
	if data == nil {
		data = map[string]any{}
	}
	res := Notification{
		ID: r.ID, Kind: r.Kind, Title: r.Title, Body: r.Body, Data: data, CreatedAt: r.CreatedAt.UTC(),
	}
	if !readAt.IsZero() {
		at := readAt.UTC()
		res.ReadAt = &at
	}
	return res
}

// ToResource converts an item of a reader's list for the API.
func ToResource(it notification.Item) Notification {
	return toResource(it.Notification.Record(), it.ReadAt)
}

// EventData is the wire data of notification.created: the resource as the REST API
// returns it, unread, by the same converter (an outbox Encoding).
func EventData(ev ports.Event) (any, bool) {
	e, ok := ev.(notification.Event)
	if !ok {
		return nil, false
	}
	return toResource(e.Notification, time.Time{}), true
}

// Handler serves /v1/notifications.
type Handler struct {
	Notifications *notification.Service
	Cursors       *web.Cursors
}

// byID is the input of the routes on one notification.
type byID struct {
	ID uuid.UUID `path:"id" json:"-" format:"uuid" description:"The notification's id."`
}

// listQuery is a reader's list.
type listQuery struct {
	route.PageQuery
	Unread bool `query:"unread" json:"-" description:"true: only what you have not read."`
}

// message is an administrator's notification.
type message struct {
	UserID string         `json:"userId" required:"true" example:"all" description:"The recipient's user id (a UUID), or \"all\" for everyone: one notification, delivered once on topic broadcast and listed for every account, each with its own read state. An unknown or deleted account is 422 unknown_recipient."`
	Kind   string         `json:"kind" required:"true" enum:"admin.message" description:"Always admin.message: the service's own kinds (security.*, account.*) cannot be sent through the API; any other value is the field error invalid_kind."`
	Title  string         `json:"title" required:"true" minLength:"1" maxLength:"200" description:"Sent verbatim (surrounding spaces trimmed); no control characters."`
	Body   string         `json:"body" required:"true" minLength:"1" maxLength:"1000" description:"Sent verbatim (surrounding spaces trimmed); line breaks allowed."`
	Data   map[string]any `json:"data,omitempty" description:"Optional machine-readable details: a JSON object of at most 1024 bytes (field error data_too_large), with no NUL character in a key or string (invalid_characters)."`
}

// Routes returns the /v1/notifications operations.
func (h *Handler) Routes() []route.Route {
	tags := []string{"Notifications"}
	return []route.Route{
		route.Op(route.Route{
			Method: http.MethodGet, Path: "/v1/notifications", ID: "notifications.list", Tags: tags, Access: route.SignedIn,
			Summary:     "List your notifications",
			Description: "Your own notifications and those to everyone, newest first, in keyset pages, each with your read state.",
			Problems:    []error{kernel.ErrInvalidCursor},
		}, h.list),
		route.Op(route.Route{
			Method: http.MethodPost, Path: "/v1/notifications/{id}/read", ID: "notifications.read", Tags: tags, Access: route.SignedIn,
			Summary:     "Mark one of your notifications read",
			Description: "Reading it again keeps the first time. Another account's notification is 404, as an unknown one.",
			Problems:    []error{notification.ErrNotFound},
		}, h.read),
		route.Op(route.Route{
			Method: http.MethodPost, Path: "/v1/notifications/read-all", ID: "notifications.readAll", Tags: tags, Access: route.SignedIn,
			Summary: "Mark all your notifications read",
		}, h.readAll),
		route.Op(route.Route{
			Method: http.MethodPost, Path: "/v1/notifications", ID: "notifications.send", Tags: tags,
			Access: route.Admin, Policy: notification.AdminOnly, Status: http.StatusAccepted,
			Summary:     "Send a notification to one account or to everyone",
			Description: "The message is stored and its notification.created event written in one transaction; subscribers receive it shortly after (hence 202). The answer is the notification as its recipient sees it.",
			Problems:    []error{notification.ErrUnknownRecipient},
		}, h.send),
	}
}

func actor(c *fiber.Ctx) ports.Actor {
	a, _ := web.Actor(c)
	return a
}

func (h *Handler) list(c *fiber.Ctx, in *listQuery) (web.Page[Notification], error) {
	a := actor(c)
	list := "notifications\x00" + a.UserID.String() + "\x00" + strconv.FormatBool(in.Unread)
	page, err := h.Cursors.Page(list, in.Limit, in.Cursor)
	if err != nil {
		return web.Page[Notification]{}, err
	}
	items, more, err := h.Notifications.List(c.UserContext(), a, notification.Filter{Unread: in.Unread}, page)
	if err != nil {
		return web.Page[Notification]{}, err
	}
	id := func(it notification.Item) uuid.UUID { return it.Notification.ID() }
	return web.NewPage(h.Cursors, list, items, page.Limit, more, id, ToResource), nil
}

func (h *Handler) read(c *fiber.Ctx, in *byID) (route.NoContent, error) {
	return route.NoContent{}, h.Notifications.MarkRead(c.UserContext(), actor(c), in.ID)
}

func (h *Handler) readAll(c *fiber.Ctx, _ *struct{}) (route.NoContent, error) {
	return route.NoContent{}, h.Notifications.MarkAllRead(c.UserContext(), actor(c))
}

func (h *Handler) send(c *fiber.Ctx, in *message) (Notification, error) {
	n, err := h.Notifications.Notify(c.UserContext(), actor(c), notification.Message{
		To: in.UserID, Kind: in.Kind, Title: in.Title, Body: in.Body, Data: in.Data,
	})
	if err != nil {
		return Notification{}, err
	}
	return toResource(n.Record(), time.Time{}), nil
}
