package catalogue_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/keelhq/keel/adapters/catalogue"
	"github.com/keelhq/keel/application/notices"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/domain/notification"
	"github.com/keelhq/keel/platform/i18n"
)

// Every kind the service sends has a title and a body in every shipped language, filled
// with its data; other kinds have none.
func TestNotices(t *testing.T) {
	b, err := i18n.NewBundle()
	if err != nil {
		t.Fatal(err)
	}
	n := catalogue.NewNotices(b)
	data := map[string]string{"UserAgent": "UA/7", "IP": "192.0.2.7", "Role": "admin"}
	seen := map[string]bool{}
	for _, kind := range []notification.Kind{notification.KindNewSignIn, notification.KindPasswordChanged, notification.KindRoleChanged} {
		for _, locale := range []kernel.Locale{kernel.LocaleEN, kernel.LocaleDE, kernel.LocaleES} {
			title, body, err := n.Render(kind, locale, data)
			if err != nil || title == "" || body == "" || strings.Contains(title+body, "{{") || strings.Contains(title+body, "no value") {
				t.Fatalf("%s in %s: %q, %q, %v", kind, locale, title, body, err)
			}
			if seen[title] {
				t.Errorf("%s in %s: title %q used twice (not translated?)", kind, locale, title)
			}
			seen[title] = true
			if _, err := notification.ParseTitle(title); err != nil {
				t.Errorf("%s in %s: title %q refused: %v", kind, locale, title, err)
			}
			if _, err := notification.ParseBody(body); err != nil {
				t.Errorf("%s in %s: body refused: %v", kind, locale, err)
			}
		}
	}
	if _, body, _ := n.Render(notification.KindNewSignIn, kernel.LocaleDE, data); !strings.Contains(body, "UA/7") || !strings.Contains(body, "192.0.2.7") {
		t.Errorf("new sign-in body %q lacks the device", body)
	}
	if _, body, _ := n.Render(notification.KindRoleChanged, kernel.LocaleES, data); !strings.Contains(body, "admin") {
		t.Errorf("role body %q lacks the role", body)
	}
	if _, _, err := n.Render(notification.KindAdminMessage, kernel.LocaleEN, nil); !errors.Is(err, notices.ErrUnknownKind) {
		t.Errorf("admin.message rendered: %v", err)
	}
}
