package route

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/invopop/validation"

	"github.com/keelhq/keel/adapters/http/web"
	"github.com/keelhq/keel/domain/kernel"
	"github.com/keelhq/keel/platform/validate"
)

// Field errors of transport-level decoding; those a field value can also break are the
// kernel's (kernel.ErrInvalidBoolean and the like), so each code is defined once.
var (
	errInteger  = validation.NewError("invalid_integer", "must be a whole number")
	errRepeated = validation.NewError("repeated_parameter", "must be given once")
)

// source is where a field of an input comes from.
type source int

const (
	fromPath source = iota + 1
	fromQuery
	fromCookie
)

// param is one non-body field of an input type.
type param struct {
	index    []int
	name     string
	from     source
	min, max *int // bounds of an integer query parameter
}

// plan is how to decode one input type, worked out once when the route is built.
type plan struct {
	params []param
	// body lists the indexes of string fields decoded from the JSON body, checked for
	// control characters; hasBody says whether the input has a body at all.
	body    [][]int
	hasBody bool
}

var (
	typeUUID = reflect.TypeFor[uuid.UUID]()
	typeTime = reflect.TypeFor[time.Time]()
)

// newPlan inspects an input struct type.
func newPlan(t reflect.Type) (*plan, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("input %s is not a struct", t)
	}
	p := &plan{}
	return p, p.walk(t, nil)
}

func (p *plan) walk(t reflect.Type, prefix []int) error {
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := p.walk(f.Type, index); err != nil {
				return err
			}
			continue
		}
		from, name := paramOf(f)
		jsonName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case from != 0 && jsonName != "-":
			return fmt.Errorf("field %s comes from the %s and must be tagged json:\"-\"", f.Name, name)
		case from != 0:
			pr, err := newParam(f, index, from, name)
			if err != nil {
				return err
			}
			p.params = append(p.params, pr)
		case jsonName == "-" || !f.IsExported():
		default:
			p.hasBody = true
			if f.Type.Kind() == reflect.String || (f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.String) {
				p.body = append(p.body, index)
			}
		}
	}
	return nil
}

func paramOf(f reflect.StructField) (source, string) {
	for _, s := range []struct {
		tag  string
		from source
	}{{"path", fromPath}, {"query", fromQuery}, {"cookie", fromCookie}} {
		if name := f.Tag.Get(s.tag); name != "" {
			return s.from, name
		}
	}
	return 0, ""
}

func newParam(f reflect.StructField, index []int, from source, name string) (param, error) {
	pr := param{index: index, name: name, from: from}
	switch t := f.Type; {
	case t == typeUUID || t == typeTime || t.Kind() == reflect.String || t.Kind() == reflect.Bool:
	case t.Kind() == reflect.Int || (t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Int):
		for tag, dst := range map[string]**int{"minimum": &pr.min, "maximum": &pr.max} {
			if s := f.Tag.Get(tag); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil {
					return pr, fmt.Errorf("field %s: %s %q is not an integer", f.Name, tag, s)
				}
				*dst = &n
			}
		}
		if (pr.min == nil) != (pr.max == nil) {
			return pr, fmt.Errorf("field %s: give both minimum and maximum, or neither", f.Name)
		}
	default:
		return pr, fmt.Errorf("field %s: parameters of type %s are not supported", f.Name, t)
	}
	if from != fromQuery && (f.Type.Kind() != reflect.String && f.Type != typeUUID) {
		return pr, fmt.Errorf("field %s: path and cookie parameters are strings or UUIDs", f.Name)
	}
	return pr, nil
}

// Validator is implemented by an input that checks more than its fields' types, such as
// a list's filters parsed into the domain's value types: its field errors are reported
// with those of decoding, all at once.
type Validator interface {
	Validate() error
}

// decode fills dst (a pointer to the input struct) from the request: the body is decoded
// strictly, then every field error (parameters, control characters, Validate) is
// reported at once.
func (p *plan) decode(c *fiber.Ctx, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	var errs validation.Errors // made on the first error: most requests have none
	add := func(field string, err error) {
		if errs == nil {
			errs = validation.Errors{}
		}
		errs[field] = err
	}
	for _, pr := range p.params {
		if err := pr.set(c, v.FieldByIndex(pr.index)); err != nil {
			add(pr.name, err)
		}
	}
	if p.hasBody {
		if err := web.Decode(c, dst); err != nil {
			return err
		}
		p.checkText(v, add)
	}
	if val, ok := dst.(Validator); ok {
		var verrs validation.Errors
		err := apiFields(val.Validate())
		if err != nil && !errors.As(err, &verrs) {
			return err
		}
		for field, e := range verrs {
			if errs[field] == nil {
				add(field, e)
			}
		}
	}
	return errs.Filter()
}

// checkText refuses control characters in the body's strings.
func (p *plan) checkText(v reflect.Value, add func(field string, err error)) {
	for _, index := range p.body {
		f := v.FieldByIndex(index)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		if hasControl(f.String(), true) {
			add(jsonName(v.Type().FieldByIndex(index)), kernel.ErrInvalidCharacters)
		}
	}
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

// hasControl reports whether s holds a control character; text may hold tabs and line
// breaks, a parameter may not.
func hasControl(s string, text bool) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		if text && (r == '\t' || r == '\n' || r == '\r') {
			return false
		}
		return unicode.IsControl(r)
	})
}

// set decodes the parameter into field; an absent parameter leaves the zero value, a
// repeated query parameter is refused. A malformed UUID in the path decodes as uuid.Nil,
// which names no resource (404 from the use case), as an unknown id does.
func (pr param) set(c *fiber.Ctx, field reflect.Value) error {
	var raw string
	switch pr.from {
	case fromPath:
		raw = c.Params(pr.name)
	case fromQuery:
		raw = strings.TrimSpace(c.Query(pr.name))
	case fromCookie:
		raw = c.Cookies(pr.name)
	}
	if raw == "" {
		return nil
	}
	if pr.from == fromQuery && len(c.Context().QueryArgs().PeekMulti(pr.name)) > 1 {
		return errRepeated // which one counts would depend on who reads the query
	}
	// A cookie is opaque: its reader judges it.
	if pr.from != fromCookie && (!utf8.ValidString(raw) || hasControl(raw, false)) {
		return kernel.ErrInvalidCharacters
	}
	switch t := field.Type(); {
	case t == typeUUID:
		// One spelling per id: the hyphenated form (in either case), not braces, URNs or
		// bare hex.
		id, err := uuid.Parse(raw)
		if err != nil || len(raw) != 36 { // 36 characters: the hyphenated form
			if pr.from != fromPath {
				return kernel.ErrInvalidID
			}
			id = uuid.Nil
		}
		*field.Addr().Interface().(*uuid.UUID) = id
	case t == typeTime:
		ts, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil || ts.UTC().Year() < 1 || ts.UTC().Year() > 9999 {
			return kernel.ErrInvalidTimestamp // years outside 1 to 9999 are not the timestamps of anything
		}
		field.Set(reflect.ValueOf(ts))
	case t.Kind() == reflect.String:
		field.SetString(strings.Clone(raw)) // fasthttp reuses its buffers after the request
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return kernel.ErrInvalidBoolean
		}
		field.SetBool(b)
	default:
		return pr.setInt(raw, field)
	}
	return nil
}

func (pr param) setInt(raw string, field reflect.Value) error {
	n, err := strconv.Atoi(raw)
	if err != nil {
		return errInteger
	}
	if (pr.min != nil && n < *pr.min) || (pr.max != nil && n > *pr.max) {
		return outOfRange(pr.min, pr.max)
	}
	if field.Kind() == reflect.Pointer {
		field.Set(reflect.New(field.Type().Elem()))
		field = field.Elem()
	}
	field.SetInt(int64(n))
	return nil
}

func outOfRange(lo, hi *int) error {
	return validation.NewError("out_of_range", "must be between {{.min}} and {{.max}}").
		SetParams(map[string]any{"min": *lo, "max": *hi})
}

// apiFields spells the field names of the domain's validation errors (snake_case, as the
// use cases name them) as the API does (camelCase); any other error passes unchanged. The
// adapter's own decoding errors already carry the API's names.
func apiFields(err error) error {
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		return err
	}
	out := make(validation.Errors, len(verrs))
	for field, e := range verrs {
		out[validate.JSONName(field)] = apiFields(e)
	}
	return out
}
