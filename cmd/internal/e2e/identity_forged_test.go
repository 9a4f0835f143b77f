package e2e_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keelhq/keel/adapters/tokens"
	"github.com/keelhq/keel/domain/auth"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/config"
)

// A token signed with the right key (here the published development key, as on any
// development deployment) that names one account's session and another account is
// refused: the session's owner must be the token's subject.
func TestIdentityTokenSubjectMustOwnTheSession(t *testing.T) {
	t.Parallel()
	s := newStack(t, idGenerousLimits...)
	api := s.start("api").URL
	admin := idCreateAdmin(t, s, api)
	victim := idNewUser(t, api, "victim", "")
	attacker := idNewUser(t, api, "attacker", "")

	keys, err := tokens.ParseKeys(config.DevJWTKeys)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := tokens.New(keys, "keel", "keel-api", 30*time.Second, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	forge := func(sub, sid string, role kernel.Role) string {
		now := time.Now()
		tok, err := signer.Issue(auth.Claims{UserID: uuid.MustParse(sub), SessionID: uuid.MustParse(sid), Role: role,
			IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	// The forgery works as the attacker's own token does: the key is right.
	own := forge(attacker.UserID, attacker.SessionID, kernel.RoleUser)
	if r := do(t, http.MethodGet, api+"/v1/users/me", nil, bearer(own)...); r.Status != http.StatusOK {
		t.Fatalf("a well-formed token of the attacker's own session: %d %s", r.Status, r.Body)
	}
	for name, tok := range map[string]string{
		"the victim's sub on the attacker's session": forge(victim.UserID, attacker.SessionID, kernel.RoleUser),
		"the attacker's sub on the victim's session": forge(attacker.UserID, victim.SessionID, kernel.RoleUser),
		"the attacker's sub on the admin's session":  forge(attacker.UserID, admin.SessionID, kernel.RoleAdmin),
	} {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/v1/users/me", "/v1/auth/sessions", "/v1/users"} {
				idProblem(t, do(t, http.MethodGet, api+path, nil, bearer(tok)...), http.StatusUnauthorized, "unauthenticated", "en")
			}
		})
	}
}
