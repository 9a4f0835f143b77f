package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestContextSpellings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, plural                                string
		pkg, typ, table, path, op, human, tag, recv string
	}{
		{"invoice", "", "invoice", "Invoice", "invoices", "/v1/invoices", "invoices", "invoice", "Invoices", "x"},
		{"line_item", "", "lineitem", "LineItem", "line_items", "/v1/line-items", "lineItems", "line item", "Line items", "l"},
		{"category", "", "category", "Category", "categories", "/v1/categories", "categories", "category", "Categories", "x"},
		{"box", "", "box", "Box", "boxes", "/v1/boxes", "boxes", "box", "Boxes", "x"},
		{"day", "", "day", "Day", "days", "/v1/days", "days", "day", "Days", "x"},
		{"person", "people", "person", "Person", "people", "/v1/people", "people", "person", "People", "x"},
		{"api_key", "", "apikey", "APIKey", "api_keys", "/v1/api-keys", "apiKeys", "api key", "Api keys", "x"},
	}
	for _, tt := range tests {
		c, err := newContext(tt.name, tt.plural)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := []string{c.Pkg, c.Type, c.Table, c.Path, c.OpPrefix, c.Human, c.Tag, c.Recv()}
		want := []string{tt.pkg, tt.typ, tt.table, tt.path, tt.op, tt.human, tt.tag, tt.recv}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", tt.name, got, want)
		}
	}
}

func TestContextNameRefusals(t *testing.T) {
	t.Parallel()
	for name, why := range map[string]string{
		"": "lower-case", "a": "lower-case", "Invoice": "lower-case", "1invoice": "lower-case", "in-voice": "lower-case",
		"_invoice": "lower-case", "line__item": "lower-case", "line_item_": "lower-case", "invoice!": "lower-case",
		strings.Repeat("x", 33): "lower-case",
		"user":                  "reserved", "notification": "reserved", "kernel": "reserved", "internal": "reserved", "type": "reserved",
		"string": "reserved", "func": "reserved", "route": "reserved", "postgres": "reserved", "boot": "reserved",
	} {
		if _, err := newContext(name, ""); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("newContext(%q) = %v, want a refusal saying %q", name, err, why)
		}
	}
	if _, err := newContext("person", "Persons"); err == nil {
		t.Error("a malformed plural was accepted")
	}
	if _, err := newContext("sheep", "sheep"); err == nil {
		t.Error("a plural equal to the name was accepted")
	}
}

// The plural names the table: a PostgreSQL key word (CREATE TABLE user fails), a name that
// outgrows PostgreSQL's 63 bytes once the index suffix is added (truncated, then meeting the
// table's own name), or a table that something other than migrations/*.sql makes (River's,
// the migrator's) or that pg_catalog shadows, is refused; whether it came from --plural or
// from the name.
func TestContextTableRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, plural, why string }{
		{"thing", "user", "key word"}, {"thing", "select", "key word"}, {"thing", "order", "key word"},
		{"thing", "table", "key word"}, {"thing", "group", "key word"},
		{"thing", strings.Repeat("a", 49), "at most 48"},
		{"thing", "river_job", "river_"}, {"thing", "river_leader", "river_"}, {"river_job", "", "river_"},
		{"thing", "pg_things", "pg_"}, {"pg_thing", "", "pg_"},
		{"thing", "keel_migrations", "keel_migration"}, {"thing", "keel_migration_locks", "keel_migration"},
	} {
		_, err := newContext(tc.name, tc.plural)
		if err == nil || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("newContext(%q, %q) = %v, want a refusal saying %q", tc.name, tc.plural, err, tc.why)
		}
	}
	for _, ok := range []struct{ name, plural string }{
		{"thing", strings.Repeat("a", 48)}, {"order", ""}, {"group", ""}, {"user_item", "users_items"}, {"river", ""},
	} {
		if _, err := newContext(ok.name, ok.plural); err != nil {
			t.Errorf("newContext(%q, %q): %v", ok.name, ok.plural, err)
		}
	}
}

func TestParseFields(t *testing.T) {
	t.Parallel()
	c, _ := newContext("invoice", "")
	err := c.parseFields(" title:string , body:text(500)? ,amount:int,done:bool,due_at:time,ref:uuid?,price:decimal," +
		"fee:money?,ratio:decimal(4),status:enum(draft|sent|paid_out),type:enum(a-b|c)?,code:string(3)")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range c.Fields {
		s := f.Name + ":" + f.Kind
		switch {
		case f.Is(KindString, KindText):
			s += "(" + strconv.Itoa(f.MaxLen) + ")"
		case f.Is(KindDecimal):
			s += "(" + strconv.Itoa(f.Scale) + ")"
		case f.Is(KindEnum):
			s += "(" + strings.Join(f.Choices, "|") + ")"
		}
		if f.Optional {
			s += "?"
		}
		got = append(got, s+" "+f.Go+" "+f.Local+" "+f.Snake)
	}
	want := []string{
		"title:string(200) Title title title", "body:text(500)? Body body body", "amount:int Amount amount amount",
		"done:bool Done done done", "dueAt:time DueAt dueAt due_at", "ref:uuid? Ref ref ref",
		"price:decimal(2) Price price price", "fee:decimal(2)? Fee fee fee", "ratio:decimal(4) Ratio ratio ratio",
		"status:enum(draft|sent|paid_out) Status status status", "type:enum(a-b|c)? Type typeValue type",
		"code:string(3) Code code code",
	}
	if !slices.Equal(got, want) {
		t.Errorf("fields\n%v\nwant\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if k := c.Fields[10]; k.Const("a-b") != "TypeAB" || strings.Join(strings.Fields(k.SQLColumn()), " ") != `type text CHECK (type IN ('a-b', 'c'))` {
		t.Errorf("enum spellings %s / %s", k.Const("a-b"), k.SQLColumn())
	}
}

func TestParseFieldsRefusals(t *testing.T) {
	t.Parallel()
	for spec, why := range map[string]string{
		"":                         "empty",
		"title":                    "name:type",
		"title:":                   "name:type",
		":string":                  "name:type",
		"title:strin":              "unknown type",
		"title:varchar":            "unknown type",
		"Title:string":             "camelCase or snake_case",
		"1title:string":            "camelCase or snake_case",
		"ti-tle:string":            "camelCase or snake_case",
		"userID:uuid":              "userId, not userID",
		"title:string,title:text":  "the same field",
		"dueAt:time,due_at:time":   "the same field",
		"id:uuid":                  "reserved",
		"ownerId:uuid":             "reserved",
		"createdAt:time":           "reserved",
		"limit:int":                "reserved",
		"record:string":            "reserved",
		"amount:int,amountMin:int": "amountMin",
		"at:time,atFrom:int":       "atFrom",
		"title:string(0)":          "length",
		"title:string(x)":          "length",
		"price:decimal(9)":         "scale",
		"price:money(2)":           "no argument",
		"done:bool(1)":             "no argument",
		"state:enum":               "list the values",
		"state:enum()":             "list the values",
		"state:enum(a|a)":          "twice",
		"state:enum(a_b|a-b)":      "twice",
		"state:enum(A|b)":          "enum value",
		"state:enum(a||b)":         "enum value",
		"title:string??":           "unknown type",
	} {
		c, _ := newContext("invoice", "")
		if err := c.parseFields(spec); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("parseFields(%q) = %v, want a refusal saying %q", spec, err, why)
		}
	}
	c, _ := newContext("invoice", "")
	many := strings.Repeat("f:int,", 41)
	if err := c.parseFields(many[:len(many)-1]); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("41 fields: %v", err)
	}
}

// Each kind maps consistently through the layers.
func TestFieldMappings(t *testing.T) {
	t.Parallel()
	c, _ := newContext("invoice", "")
	if err := c.parseFields("s:string,t:text,i:int,b:bool,at:time,u:uuid,d:decimal,e:enum(x|y),o:int?"); err != nil {
		t.Fatal(err)
	}
	want := map[string][5]string{ // value type, record type, SQL type, resource type, filters
		"s":  {"S", "string", "text", "string", "s"},
		"t":  {"T", "string", "text", "string", ""},
		"i":  {"int64", "int64", "bigint", "int64", "iMin iMax"},
		"b":  {"bool", "bool", "boolean", "bool", "b"},
		"at": {"time.Time", "time.Time", "timestamptz", "time.Time", "atFrom atTo"},
		"u":  {"uuid.UUID", "uuid.UUID", "uuid", "uuid.UUID", "u"},
		"d":  {"kernel.Decimal", "string", "numeric(18,2)", "string", "dMin dMax"},
		"e":  {"E", "string", "text", "string", "e"},
		"o":  {"int64", "*int64", "bigint", "*int64", "oMin oMax"},
	}
	for _, f := range c.Fields {
		got := [5]string{f.ValueType(), f.RecordType(), f.SQLType(), f.ResourceType(), strings.Join(f.FilterParams(), " ")}
		if got != want[f.Name] {
			t.Errorf("%s: %v, want %v", f.Name, got, want[f.Name])
		}
		if strings.Contains(f.SQLColumn(), "NOT NULL") == f.Optional {
			t.Errorf("%s: column %q", f.Name, f.SQLColumn())
		}
		for i := range 2 {
			if f.SampleJSON(i) == "" || (f.Optional && i == 1 && f.SampleJSON(i) != "null") {
				t.Errorf("%s: sample %d %q", f.Name, i, f.SampleJSON(i))
			}
		}
	}
}
