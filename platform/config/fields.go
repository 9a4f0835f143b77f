package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
)

// field is one configuration variable: its name, its struct field and its current value.
type field struct {
	key    string
	name   string
	secret string
	value  reflect.Value
}

// fields lists every variable of cfg in declaration order.
func fields(cfg *Config) []field {
	var out []field
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if p, ok := sf.Tag.Lookup("envPrefix"); ok {
				walk(v.Field(i), prefix+p)
				continue
			}
			key, _, _ := strings.Cut(sf.Tag.Get("env"), ",")
			if key == "" || key == "-" {
				continue
			}
			out = append(out, field{key: prefix + key, name: sf.Name, secret: sf.Tag.Get("secret"), value: v.Field(i)})
		}
	}
	walk(reflect.ValueOf(cfg).Elem(), "")
	return out
}

// fieldKeys maps struct field names to variable names, for naming parse errors. Fields
// whose type can fail to parse (anything but a string) have names unique in Config.
func fieldKeys(cfg *Config) map[string]string {
	keys := make(map[string]string)
	for _, f := range fields(cfg) {
		keys[f.name] = f.key
	}
	return keys
}

// Redacted returns every variable with its effective value, secrets masked, for logging.
func (c *Config) Redacted() map[string]string {
	out := make(map[string]string)
	for _, f := range fields(c) {
		out[f.key] = f.display()
	}
	return out
}

// LogValue makes a Config safe to pass to slog: secrets are masked.
func (c *Config) LogValue() slog.Value {
	fs := fields(c)
	attrs := make([]slog.Attr, 0, len(fs)+1)
	attrs = append(attrs, slog.String("PROCESS", c.Process))
	for _, f := range fs {
		attrs = append(attrs, slog.String(f.key, f.display()))
	}
	return slog.GroupValue(attrs...)
}

func (f field) display() string {
	var s string
	if f.value.Kind() == reflect.Slice {
		parts := make([]string, f.value.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(f.value.Index(i).Interface())
		}
		s = strings.Join(parts, ",")
	} else {
		s = fmt.Sprint(f.value.Interface())
	}
	switch f.secret {
	case "url":
		return MaskURL(s)
	case "true":
		if s != "" {
			return "********"
		}
	}
	return s
}

// MaskURL hides the password of a URL; an unparsable URL, or a string that is not a URL
// (such as a keyword/value DSN), is hidden entirely, since it may carry a secret in a form
// the parser did not recognise.
func MaskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		// Not a URL (e.g. a keyword/value DSN "host=... password=..."): hide it all.
		return "********"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
