package boot

import (
	"go.uber.org/fx"

	"github.com/keelhq/keel/adapters/http/route"
	httpuser "github.com/keelhq/keel/adapters/http/user"
	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/application/identity"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/user"
)

// User is the user context: accounts, their administration, /v1/users and user.* events.
// It reaches the auth context through identity.Access.
var User = fx.Module("user",
	fx.Provide(
		newUserRepository,
		func(a *auth.Service) user.Access { return &identity.Access{Auth: a} },
		user.NewService,
		Routes(func(users *user.Service, cursors *web.Cursors) []route.Route {
			return (&httpuser.Handler{Users: users, Cursors: cursors}).Routes()
		}),
		EventEncoding(httpuser.EventData),
	),
)
