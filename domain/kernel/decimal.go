package kernel

import (
	"strconv"
	"strings"

	"github.com/invopop/validation"
)

// Bounds of a Decimal: its digits fit an int64 and PostgreSQL's numeric(18, scale).
const (
	MaxDecimalDigits = 18
	MaxDecimalScale  = 8
)

// Decimal is an exact fixed-point number: units × 10^-scale, with at most
// MaxDecimalDigits digits in all. Money is the usual example (scale 2). Its text form
// has exactly scale digits after the point ("-12.50"), so equal numbers read the same.
// The zero Decimal is 0 with scale 0.
type Decimal struct {
	units int64
	scale int
}

// ErrInvalidDecimal is the validation error of text that is not a decimal number of
// the field's scale, with its bounds as parameters.
func ErrInvalidDecimal(scale int) error {
	return validation.NewError("invalid_decimal",
		"must be a decimal number with at most {{.digits}} digits before the point and {{.scale}} after it").
		SetParams(map[string]any{"digits": MaxDecimalDigits - scale, "scale": scale})
}

// ParseDecimal reads a decimal number written with digits, an optional leading minus
// and an optional point followed by 1 to scale digits ("12", "-0.5", "1234.56"); no
// exponent, sign "+", bare point (".5") or thousands separator. It panics on a scale outside 0 to
// MaxDecimalScale, which is a programming error.
func ParseDecimal(s string, scale int) (Decimal, error) {
	if scale < 0 || scale > MaxDecimalScale {
		panic("kernel: decimal scale " + strconv.Itoa(scale) + " out of range")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Decimal{}, validation.ErrRequired
	}
	neg := strings.HasPrefix(s, "-")
	whole, frac, hasPoint := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if whole == "" || !digits(whole) || !digits(frac) || (hasPoint && frac == "") || len(frac) > scale {
		return Decimal{}, ErrInvalidDecimal(scale)
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > MaxDecimalDigits-scale {
		return Decimal{}, ErrInvalidDecimal(scale)
	}
	var units int64
	if text := whole + frac + strings.Repeat("0", scale-len(frac)); strings.Trim(text, "0") != "" {
		var err error
		if units, err = strconv.ParseInt(text, 10, 64); err != nil {
			return Decimal{}, ErrInvalidDecimal(scale)
		}
	}
	if neg {
		units = -units
	}
	return Decimal{units: units, scale: scale}, nil
}

// digits reports whether s holds only ASCII digits (the empty string does).
func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String writes d with exactly its scale's digits after the point.
func (d Decimal) String() string {
	u := d.units
	sign := ""
	if u < 0 {
		sign, u = "-", -u
	}
	s := strconv.FormatInt(u, 10)
	if d.scale == 0 {
		return sign + s
	}
	if len(s) <= d.scale {
		s = strings.Repeat("0", d.scale-len(s)+1) + s
	}
	return sign + s[:len(s)-d.scale] + "." + s[len(s)-d.scale:]
}

// Scale returns how many digits d has after the point.
func (d Decimal) Scale() int { return d.scale }

// Units returns d × 10^scale, an integer.
func (d Decimal) Units() int64 { return d.units }

// Cmp compares d with e, which must have d's scale (it panics otherwise): -1, 0 or +1.
func (d Decimal) Cmp(e Decimal) int {
	if d.scale != e.scale {
		panic("kernel: comparing decimals of different scales")
	}
	switch {
	case d.units < e.units:
		return -1
	case d.units > e.units:
		return 1
	}
	return 0
}
