// Package docs serves GET /docs: a browsable reference of the HTTP API, rendered in the
// browser from the service's own GET /openapi.json. The page, its script, style sheet and
// icon are embedded in the binary and fetch nothing outside the service, so the reference
// works with no internet access.
package docs

import (
	"embed"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/keelhq/keel/adapters/http/route"
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

// asset is one embedded page or file, and what the document says of it.
type asset struct {
	path, file, contentType, id, summary string
}

// assetList is every path the docs serve. /docs/problems is the page too: the `type` of
// every problem+json answer points at /docs/problems#<code>, and the page shows the
// problem codes there.
var assetList = []asset{
	{"/docs", "assets/index.html", fiber.MIMETextHTMLCharsetUTF8, "docs.page", "This API's reference, as a web page"},
	{"/docs/problems", "assets/index.html", fiber.MIMETextHTMLCharsetUTF8, "docs.problems", "The problem codes, as a web page"},
	{"/docs/app.js", "assets/app.js", "text/javascript; charset=utf-8", "docs.script", "The reference page's script"},
	{"/docs/schema.js", "assets/schema.js", "text/javascript; charset=utf-8", "docs.schemaScript", "The reference page's schema renderer"},
	{"/docs/app.css", "assets/app.css", "text/css; charset=utf-8", "docs.style", "The reference page's style sheet"},
	{"/docs/favicon.svg", "assets/favicon.svg", "image/svg+xml", "docs.icon", "The reference page's icon"},
}

// Routes returns GET /docs, /docs/problems and the page's assets as operations of the
// service (so the OpenAPI document describes them as it describes every other route), at
// the root of the service: the page refers to its assets and to SpecPath by absolute
// path. Each response replaces the server's Content-Security-Policy with
// ContentSecurityPolicy; the other security headers stay. The OpenAPI document itself is
// served by whoever serves these, at SpecPath.
func Routes() []route.Route {
	out := make([]route.Route, 0, len(assetList))
	for _, a := range assetList {
		body, err := assets.ReadFile(a.file)
		if err != nil {
			panic("docs: embedded asset missing: " + a.file) // caught by the tests
		}
		out = append(out, route.Raw[string](route.Route{
			Method: http.MethodGet, Path: a.path, ID: a.id, Summary: a.summary, Tags: []string{"Documentation"},
		}, a.contentType, serve(body, a.contentType)))
	}
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
