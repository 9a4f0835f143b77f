package ports

import (
	"context"

	"github.com/google/uuid"

	"github.com/keelhq/keel/domain/kernel"
)

// RequestInfo describes where an action came from, for the audit trail.
type RequestInfo struct {
	RequestID string
	IP        string
	UserAgent string
}

// Actor is the signed-in principal performing an action.
type Actor struct {
	UserID    uuid.UUID
	SessionID uuid.UUID
	Role      kernel.Role
}

// IsAdmin reports whether the actor is a signed-in administrator (a role without an
// account is nobody).
func (a Actor) IsAdmin() bool { return a.UserID != uuid.Nil && a.Role == kernel.RoleAdmin }

type requestKey struct{}
type actorKey struct{}

// WithRequest returns ctx carrying the request's description.
func WithRequest(ctx context.Context, r RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request description carried by ctx (zero outside a request).
func RequestFrom(ctx context.Context) RequestInfo {
	r, _ := ctx.Value(requestKey{}).(RequestInfo)
	return r
}

// WithActor returns ctx carrying the signed-in actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor carried by ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
