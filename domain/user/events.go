package user

import (
	"time"

	"github.com/google/uuid"
)

// Event names emitted by the user context.
const (
	EventRegistered = "user.registered"
	EventUpdated    = "user.updated"
	EventDeleted    = "user.deleted"
)

// Payload is a user as the API shows it: the REST resource and the data of the context's
// events alike. Times are UTC.
type Payload struct {
	ID            uuid.UUID `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	Role          string    `json:"role"`
	Status        string    `json:"status"`
	Locale        string    `json:"locale"`
	EmailVerified bool      `json:"emailVerified"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// PayloadOf converts u for an event.
func PayloadOf(u *User) Payload {
	return Payload{
		ID: u.id, Email: string(u.email), Name: string(u.name), Role: string(u.role), Status: string(u.status),
		Locale: string(u.locale), EmailVerified: u.EmailVerified(), CreatedAt: u.createdAt.UTC(), UpdatedAt: u.updatedAt.UTC(),
	}
}

// Topic is the event topic of a user's own stream.
func Topic(id uuid.UUID) string { return "user:" + id.String() }
