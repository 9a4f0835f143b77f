package user

import (
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
)

var _ web.JSONAppender = User{}

// AppendJSON implements web.JSONAppender: the bytes encoding/json writes for a User,
// without reflection (GET /v1/users/{id} and /v1/users/me are the hottest answers).
func (u User) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = append(kernel.AppendID(append(b, '"'), u.ID), '"')
	b = append(b, `,"email":`...)
	b = web.AppendJSONString(b, u.Email)
	b = append(b, `,"name":`...)
	b = web.AppendJSONString(b, u.Name)
	b = append(b, `,"role":`...)
	b = web.AppendJSONString(b, u.Role)
	b = append(b, `,"status":`...)
	b = web.AppendJSONString(b, u.Status)
	b = append(b, `,"locale":`...)
	b = web.AppendJSONString(b, u.Locale)
	b = append(b, `,"emailVerified":`...)
	b = web.AppendJSONBool(b, u.EmailVerified)
	b = append(b, `,"createdAt":`...)
	b = web.AppendJSONTime(b, u.CreatedAt)
	b = append(b, `,"updatedAt":`...)
	b = web.AppendJSONTime(b, u.UpdatedAt)
	return append(b, '}')
}
