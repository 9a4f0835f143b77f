package main

import (
	"fmt"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Context is the bounded context to generate, with every spelling of its name the
// templates need.
type Context struct {
	Name        string // snake_case: line_item (audit entity, event prefix, problem codes)
	Pkg         string // Go package: lineitem
	Type        string // the entity and the fx module: LineItem
	Var         string // a local variable: lineItem
	Table       string // line_items
	Path        string // /v1/line-items
	OpPrefix    string // operation ids: lineItems
	Human       string // line item
	HumanPlural string // line items
	Tag         string // Line items
	Migration   string // 20261130120000_line_items
	Fields      []*Field
}

// Kinds of field.
const (
	KindString  = "string"
	KindText    = "text"
	KindInt     = "int"
	KindBool    = "bool"
	KindTime    = "time"
	KindUUID    = "uuid"
	KindDecimal = "decimal"
	KindEnum    = "enum"
)

// Field is one field of the entity.
type Field struct {
	Name     string   // camelCase: the JSON member and query parameter, dueAt
	Go       string   // exported Go name: DueAt
	Local    string   // unexported Go name: dueAt
	Snake    string   // domain name (validation errors, audit changes) and SQL column: due_at
	Human    string   // due at
	Kind     string   // one of the Kind constants
	Optional bool     // may be absent (null)
	Choices  []string // enum values
	Scale    int      // decimal digits after the point
	MaxLen   int      // string and text: most characters
	ctx      *Context // the context the field belongs to
}

// Limits of what the generator accepts.
const (
	maxFields       = 40
	maxNameLength   = 32
	maxChoices      = 50
	defaultStrLen   = 200
	defaultTextLen  = 10000
	maxStrLen       = 100000
	defaultDecScale = 2
)

var (
	contextNameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	camelFieldRE  = regexp.MustCompile(`^[a-z][a-z0-9]*([A-Z][a-z0-9]+)*$`)
	snakeFieldRE  = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	choiceRE      = regexp.MustCompile(`^[a-z][a-z0-9]*([_-][a-z0-9]+)*$`)
	typeRE        = regexp.MustCompile(`^([a-z]+)(?:\((.*)\))?(\?)?$`)
)

// reservedNames may not name a context: Go's own words, the folders and packages a
// context's files sit beside or import, the shared kernel, the existing contexts, and
// the API document's shared schemas (Problem, FieldError, pages).
var reservedNames = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`kernel internal testdata vendor main test tests gen boot e2e core
		domain ports adapters application platform cmd migrations bench tools
		context errors fmt strings time testing slices maps sync reflect json http uuid validation ports fiber bun
		route web memory postgres fx database pgtest handlertest audittest portstest kerneltest pgxpool strconv
		bytes io net url os log slog sort math big regexp unicode utf8 embed template crypto rand hex base64
		api worker cron migrate admin dev openapi docs ws realtime relay outbox eventlog events event cache
		health metrics tracing config logging mail jobs server guard authn catalogue cached redis
		user users auth audit notification notifications schedule identity notices mailing record records
		cmp cursor cursors problem field_error page list pagination`) {
		reservedNames[w] = true
	}
}

// reservedFields may not name a field: the members every resource has, the list's own
// query parameters, and the entity's own methods.
var reservedFields = map[string]string{
	"id": "every resource has it", "owner_id": "every resource has it (the account that created it)",
	"owner": "the resource's owner is ownerId", "created_at": "every resource has it", "updated_at": "every resource has it",
	"limit": "it is the list's page size", "cursor": "it is the list's page cursor",
	"set": "the entity's method Set changes its fields", "record": "the entity's method Record returns its state",
	"values": "the context's type Values holds the parsed fields",
}

// newContext checks name (and an optional plural) and spells it every way.
func newContext(name, pluralName string) (*Context, error) {
	if len(name) < 2 || len(name) > maxNameLength || !contextNameRE.MatchString(name) {
		return nil, fmt.Errorf("context name %q: use 2 to %d lower-case letters and digits, words joined by '_' (e.g. invoice, line_item)", name, maxNameLength)
	}
	ws := words(name)
	pkg := strings.Join(ws, "")
	if reservedNames[name] || reservedNames[pkg] || predeclared[pkg] || token.IsKeyword(pkg) {
		return nil, fmt.Errorf("context name %q is reserved (a Go word, or a package or folder Keel already has): choose another", name)
	}
	pl := pluralName
	if pl == "" {
		pl = strings.Join(append(slices.Clone(ws[:len(ws)-1]), plural(ws[len(ws)-1])), "_")
	} else if !contextNameRE.MatchString(pl) || pl == name {
		return nil, fmt.Errorf("plural %q: use lower-case letters and digits, words joined by '_', unlike the name", pl)
	}
	if err := checkTable(pl); err != nil {
		return nil, err
	}
	pws := words(pl)
	c := &Context{
		Name: name, Pkg: pkg, Type: exported(ws), Var: unexported(ws), Table: pl,
		Path: "/v1/" + strings.Join(pws, "-"), OpPrefix: camel(pws),
		Human: strings.Join(ws, " "), HumanPlural: strings.Join(pws, " "),
	}
	c.Tag = strings.ToUpper(c.HumanPlural[:1]) + c.HumanPlural[1:]
	return c, nil
}

// parseFields reads the --fields list: "title:string,amount:int,note:text?".
func (c *Context) parseFields(spec string) error {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return fmt.Errorf("--fields is empty: give at least one field, e.g. --fields \"title:string,amount:int\"")
	}
	items := strings.Split(spec, ",")
	if len(items) > maxFields {
		return fmt.Errorf("%d fields: at most %d", len(items), maxFields)
	}
	seen := map[string]string{}
	for _, item := range items {
		f, err := c.parseField(strings.TrimSpace(item))
		if err != nil {
			return err
		}
		if prev, dup := seen[f.Snake]; dup {
			return fmt.Errorf("field %q: the same field as %q (both are %s)", item, prev, f.Name)
		}
		seen[f.Snake] = item
		c.Fields = append(c.Fields, f)
	}
	return c.checkParams()
}

// parseField reads one "name:type" item.
func (c *Context) parseField(item string) (*Field, error) {
	name, typ, ok := strings.Cut(item, ":")
	name, typ = strings.TrimSpace(name), strings.TrimSpace(typ)
	if !ok || name == "" || typ == "" {
		return nil, fmt.Errorf("field %q: write name:type, e.g. title:string or note:text?", item)
	}
	if !camelFieldRE.MatchString(name) && !snakeFieldRE.MatchString(name) {
		return nil, fmt.Errorf("field %q: name it in camelCase or snake_case, starting with a lower-case letter (e.g. dueAt, due_at; each capital starts a word of two or more letters: userId, not userID)", item)
	}
	ws := words(name)
	f := &Field{Name: camel(ws), Go: exported(ws), Local: unexported(ws), Snake: strings.Join(ws, "_"), Human: strings.Join(ws, " "), ctx: c}
	if why, bad := reservedFields[f.Snake]; bad {
		return nil, fmt.Errorf("field %q: %s is reserved: %s", item, f.Name, why)
	}
	if len(f.Snake) > 48 {
		return nil, fmt.Errorf("field %q: name too long (at most 48 characters in snake_case)", item)
	}
	return f, f.parseType(item, typ)
}

// parseType reads a field's type: string, string(N), text, text(N), int, bool, time,
// uuid, decimal, decimal(S), money, enum(a|b|c), each optionally followed by "?".
func (f *Field) parseType(item, typ string) error {
	m := typeRE.FindStringSubmatch(typ)
	if m == nil {
		return fmt.Errorf("field %q: unknown type %q (%s)", item, typ, typeList)
	}
	kind, arg, hasArg := m[1], m[2], strings.Contains(typ, "(")
	f.Optional = m[3] == "?"
	noArg := func() error {
		if hasArg {
			return fmt.Errorf("field %q: type %s takes no argument", item, kind)
		}
		return nil
	}
	switch kind {
	case KindString, KindText:
		f.Kind, f.MaxLen = kind, defaultStrLen
		if kind == KindText {
			f.MaxLen = defaultTextLen
		}
		if hasArg {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 || n > maxStrLen {
				return fmt.Errorf("field %q: %s(N) takes a length from 1 to %d", item, kind, maxStrLen)
			}
			f.MaxLen = n
		}
	case KindInt, KindBool, KindTime, KindUUID:
		f.Kind = kind
		return noArg()
	case KindDecimal, "money":
		f.Kind, f.Scale = KindDecimal, defaultDecScale
		if kind == "money" {
			return noArg()
		}
		if hasArg {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 0 || n > 8 {
				return fmt.Errorf("field %q: decimal(S) takes a scale (digits after the point) from 0 to 8", item)
			}
			f.Scale = n
		}
	case KindEnum:
		f.Kind = kind
		return f.parseChoices(item, arg, hasArg)
	default:
		return fmt.Errorf("field %q: unknown type %q (%s)", item, kind, typeList)
	}
	return nil
}

const typeList = "string, string(N), text, text(N), int, bool, time, uuid, decimal, decimal(S), money, enum(a|b|c); add ? for an optional field"

// parseChoices reads the values of enum(a|b|c).
func (f *Field) parseChoices(item, arg string, hasArg bool) error {
	if !hasArg || strings.TrimSpace(arg) == "" {
		return fmt.Errorf("field %q: list the values, e.g. enum(draft|sent|paid)", item)
	}
	seen := map[string]bool{}
	for _, v := range strings.Split(arg, "|") {
		v = strings.TrimSpace(v)
		if !choiceRE.MatchString(v) || len(v) > 40 {
			return fmt.Errorf("field %q: enum value %q: use lower-case letters and digits, words joined by '_' or '-'", item, v)
		}
		key := exported(words(v))
		if seen[key] {
			return fmt.Errorf("field %q: enum value %q given twice (or spelled like another)", item, v)
		}
		seen[key] = true
		f.Choices = append(f.Choices, v)
	}
	if len(f.Choices) > maxChoices {
		return fmt.Errorf("field %q: at most %d enum values", item, maxChoices)
	}
	return nil
}

// checkParams refuses fields whose JSON member or list query parameters would meet
// another's: "amount" filters as amountMin and amountMax, so no other field may be
// named amountMin.
func (c *Context) checkParams() error {
	taken := map[string]string{"limit": "the page size", "cursor": "the page cursor", "ownerId": "the owner filter",
		"id": "the id", "createdAt": "the creation time", "updatedAt": "the update time"}
	for _, f := range c.Fields {
		params := append([]string{f.Name}, f.FilterParams()...)
		slices.Sort(params)
		for _, p := range slices.Compact(params) {
			if what, dup := taken[p]; dup {
				return fmt.Errorf("field %s: its JSON member or list filter %s is already %s", f.Name, p, what)
			}
			taken[p] = "field " + f.Name + "'s"
		}
	}
	return nil
}

// maxTableLength keeps the table's names within PostgreSQL's 63 bytes: longer ones are cut
// there, and the cut index name (<table>_owner_idx) meets the cut table name.
const maxTableLength = 48

// checkTable refuses a table name the migration cannot create as written: a PostgreSQL key
// word, a name too long, or a name taken outside migrations/*.sql (River's tables, the
// migrator's own) or shadowed by pg_catalog (pg_...).
func checkTable(table string) error {
	switch {
	case len(table) > maxTableLength:
		return fmt.Errorf("table %q: at most %d characters (PostgreSQL cuts names at 63 bytes): choose a shorter --plural", table, maxTableLength)
	case sqlReserved[table]:
		return fmt.Errorf("table %q would be a PostgreSQL key word (CREATE TABLE %s fails): choose another --plural", table, table)
	case strings.HasPrefix(table, "river_"):
		return fmt.Errorf("table %q: river_ tables are River's (the job queue's schema): choose another name or --plural", table)
	case strings.HasPrefix(table, "pg_"):
		return fmt.Errorf("table %q: pg_ names are PostgreSQL's own (pg_catalog comes first): choose another name or --plural", table)
	case strings.HasPrefix(table, "keel_migration"):
		return fmt.Errorf("table %q: keel_migrations and keel_migration_locks are the migrator's: choose another name or --plural", table)
	}
	return nil
}
