// Package docs serves GET /docs: a browsable reference of the HTTP API, rendered in the
// browser from the service's own GET /openapi.json. The page, its script, style sheet and
// icon are embedded in the binary and fetch nothing outside the service, so the reference
// works with no internet access.
package docs

import (
	"embed"
	"net/http"
	"slices"

	"github.com/gofiber/fiber/v2"
)

//go:embed assets
var assets embed.FS

// SpecPath is where the page fetches the OpenAPI document from (same origin).
const SpecPath = "/openapi.json"

// ContentSecurityPolicy is the policy of every docs response. The server's default policy
// (default-src 'none') forbids scripts and styles; the page needs its own script, style
// sheet, icon and one fetch of SpecPath, all from the service itself, and nothing else: no
// inline script or style, no other origin, no framing, no forms.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one embedded file and the content type it is served with.
type asset struct {
	file, contentType string
}

// routes maps each served path to its embedded file. /docs/problems is the page too: the
// `type` of every problem+json answer points at /docs/problems#<code>, and the page shows
// the problem codes there.
var routes = map[string]asset{
	"/docs":             {"assets/index.html", fiber.MIMETextHTMLCharsetUTF8},
	"/docs/problems":    {"assets/index.html", fiber.MIMETextHTMLCharsetUTF8},
	"/docs/app.js":      {"assets/app.js", "text/javascript; charset=utf-8"},
	"/docs/schema.js":   {"assets/schema.js", "text/javascript; charset=utf-8"},
	"/docs/app.css":     {"assets/app.css", "text/css; charset=utf-8"},
	"/docs/favicon.svg": {"assets/favicon.svg", "image/svg+xml"},
}

// Mount registers GET (and HEAD) /docs, /docs/problems and the page's assets /docs/app.js,
// /docs/schema.js, /docs/app.css and /docs/favicon.svg on r, at the root of the service
// (the page refers to its assets and to /openapi.json by absolute path). Each response
// replaces the server's Content-Security-Policy with ContentSecurityPolicy; the other
// security headers stay. The OpenAPI document itself is served by whoever mounts it at
// SpecPath.
func Mount(r fiber.Router) {
	for path, a := range routes {
		body, err := assets.ReadFile(a.file)
		if err != nil {
			panic("docs: embedded asset missing: " + a.file) // caught by the tests
		}
		r.Get(path, serve(body, a.contentType))
	}
}

// Paths returns every path Mount serves, sorted: the routes a comparison of served and
// documented operations should leave out, as it leaves out /livez or /metrics.
func Paths() []string {
	out := make([]string, 0, len(routes))
	for p := range routes {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func serve(body []byte, contentType string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentSecurityPolicy, ContentSecurityPolicy)
		c.Set(fiber.HeaderContentType, contentType)
		// The assets change only with the binary; revalidating keeps a new page and an old
		// script from meeting after an upgrade.
		c.Set(fiber.HeaderCacheControl, "no-cache")
		return c.Status(http.StatusOK).Send(body)
	}
}
