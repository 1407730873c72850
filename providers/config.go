package providers

import (
	"fmt"
	"math/big"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Setting declares one argument of a provider block. hclspec evaluates it (variables and locals
// allowed), converts it to Type and runs Check; the provider then reads it from Config.
type Setting struct {
	// Name is the argument name, e.g. "endpoint".
	Name string
	// Type is cty.String, cty.Number or cty.Bool.
	Type cty.Type
	// Check returns what is wrong with a value, or "" when it is fine (nil: anything goes). The
	// message says what would be right, e.g. `"x" is not an absolute https URL; want …`.
	Check func(v cty.Value) string
	// Doc is one line for the docs and errors: what the setting means and its default.
	Doc string
}

// Config is an evaluated provider block: the values of the settings that were set.
type Config struct {
	// Name is the provider name (the block label).
	Name string
	// Values holds the set arguments, converted to their Setting's Type and never marked.
	Values map[string]cty.Value
	// Ranges holds where each set argument's value was written.
	Ranges map[string]hcl.Range
	// DeclRange is where the provider block was declared; zero when the spec has none.
	DeclRange hcl.Range
}

// String returns the string setting name, or def when unset.
func (c Config) String(name, def string) string {
	if v, ok := c.Values[name]; ok && v.Type() == cty.String && !v.IsNull() {
		return v.AsString()
	}
	return def
}

// Duration returns the duration setting name (a Go duration string such as "15s"), or def when unset.
func (c Config) Duration(name string, def time.Duration) (time.Duration, error) {
	s := c.String(name, "")
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s = %q: %w", name, s, err)
	}
	return d, nil
}

// Int returns the whole-number setting name, or def when unset.
func (c Config) Int(name string, def int) int {
	v, ok := c.Values[name]
	if !ok || v.Type() != cty.Number || v.IsNull() {
		return def
	}
	i, acc := v.AsBigFloat().Int64()
	if acc != big.Exact {
		return def
	}
	return int(i)
}

// CheckURL accepts an absolute https URL, or http to a loopback host (local stand-ins).
func CheckURL(v cty.Value) string {
	s := v.AsString()
	u, err := url.Parse(s)
	if err == nil && u.User != nil {
		// Never echo the user information: it may be a password or a token.
		return fmt.Sprintf("\"%s://…@%s\" holds a user name or password; credentials never go in the spec: give the URL "+
			"without them (%s://%s) and the credentials through the environment.", u.Scheme, u.Host, u.Scheme, u.Host)
	}
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("%q is not an absolute https URL; want e.g. https://api.example.com.", s)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Sprintf("%q sends credentials in clear text; use https (http is allowed only to a loopback address such as 127.0.0.1).", s)
	}
	return ""
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckNonEmpty refuses an empty or blank string.
func CheckNonEmpty(v cty.Value) string {
	if strings.TrimSpace(v.AsString()) == "" {
		return "The value must not be empty."
	}
	return ""
}

// CheckDuration accepts a positive Go duration such as "15s" or "2m".
func CheckDuration(v cty.Value) string {
	s := v.AsString()
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Sprintf("%q is not a positive duration; want e.g. \"15s\" or \"2m\".", s)
	}
	return ""
}

// CheckRegion accepts an AWS region name such as eu-west-1.
func CheckRegion(v cty.Value) string {
	if s := v.AsString(); !regionRE.MatchString(s) {
		return fmt.Sprintf("%q is not an AWS region name; want e.g. eu-west-1.", s)
	}
	return ""
}

// regionRE matches AWS region names such as eu-west-1 or us-gov-west-1.
var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
