package hclspec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ferry-dev/ferry/model"
)

// Identifier patterns of the remote systems.
var (
	productRE     = regexp.MustCompile(`^PRD-[0-9]{3}-[0-9]{3}-[0-9]{3}$`)
	marketplaceRE = regexp.MustCompile(`^MP-[0-9]{5,}$`)
	assetRE       = regexp.MustCompile(`^AS-[0-9]{4}-[0-9]{4}-[0-9]{4}$`)
	requestRE     = regexp.MustCompile(`^PR-[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}$`)
	tierAccountRE = regexp.MustCompile(`^TA-[0-9]{4}-[0-9]{4}-[0-9]{4}$`)
	serverRE      = regexp.MustCompile(`^s-[0-9a-zA-Z]{17}$`)
	parameterRE   = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)
)

// check is one validation: a summary for the diagnostic and a function returning the detail of
// the problem ("" when the value is valid).
type check struct {
	Summary string
	Problem func(string) string
}

// spaceHint explains surrounding whitespace, the usual cause of a bad ID read from a file.
func spaceHint(s string) string {
	if s != strings.TrimSpace(s) {
		return " The value has leading or trailing whitespace; use trimspace()."
	}
	return ""
}

// isGUID reports whether s is 8-4-4-4-12 hexadecimal digits (what the regular expression
// ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ matches, checked for
// every instance of a spec without the cost of the regexp engine).
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// isDNSLabel reports whether s is 1 to 63 letters, digits or inner dashes (what
// ^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$ matches).
func isDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

func patternCheck(summary string, re *regexp.Regexp, what string) check {
	return check{Summary: summary, Problem: func(s string) string {
		if re.MatchString(s) {
			return ""
		}
		return fmt.Sprintf("%q is not %s.%s", s, what, spaceHint(s))
	}}
}

var (
	guidCheck = check{Summary: "Invalid GUID", Problem: func(s string) string {
		if isGUID(s) {
			return ""
		}
		return fmt.Sprintf("%q is not %s.%s", s, "a GUID; want 8-4-4-4-12 hexadecimal digits, e.g. 5c1f2b7e-3a4d-4e5f-8a9b-0c1d2e3f4a5b", spaceHint(s))
	}}
	productCheck = patternCheck("Invalid Connect product ID", productRE,
		"a CloudBlue Connect product ID; want PRD-###-###-###, e.g. PRD-183-233-565")
	marketplaceCheck = patternCheck("Invalid Connect marketplace ID", marketplaceRE,
		"a CloudBlue Connect marketplace ID; want MP- and at least 5 digits, e.g. MP-65669")
	serverCheck = patternCheck("Invalid MGN source server ID", serverRE,
		"an AWS MGN source server ID; want s- and 17 letters or digits ([0-9a-zA-Z]), e.g. s-1234567890abcdef0")
	parameterCheck = patternCheck("Invalid Connect parameter ID", parameterRE,
		"a Connect parameter ID; want letters, digits, underscores and dashes, e.g. processor_skip_list")
	entryCheck = check{Summary: "Invalid skip-list entry", Problem: func(s string) string {
		if assetRE.MatchString(s) || requestRE.MatchString(s) || tierAccountRE.MatchString(s) {
			return ""
		}
		return fmt.Sprintf("%q is not a Connect asset, request or tier account ID; want AS-####-####-#### (asset), PR-####-####-####-### (request) or TA-####-####-#### (tier account), e.g. AS-1564-9639-4055.%s", s, spaceHint(s))
	}}
	domainCheck = check{Summary: "Invalid Microsoft domain", Problem: domainProblem}
	termCheck   = check{Summary: "Invalid term_duration", Problem: func(s string) string {
		switch s {
		case "P1M", "P1Y", "P3Y":
			return ""
		}
		return fmt.Sprintf("%q is not a New Commerce term; want P1M (monthly), P1Y (one year) or P3Y (three years).", s)
	}}
	billingCheck = check{Summary: "Invalid billing_cycle", Problem: func(s string) string {
		switch s {
		case "monthly", "annual", "triennial":
			return ""
		}
		return fmt.Sprintf("%q is not a billing cycle; want monthly, annual or triennial.", s)
	}}
	modeCheck = check{Summary: "Invalid commerce mode", Problem: func(s string) string {
		switch s {
		case "new_subscription", "switch_plan":
			return ""
		}
		return fmt.Sprintf("%q is not a Commerce migration mode; want \"new_subscription\" (a sales order, then the source subscription is cancelled) or \"switch_plan\".", s)
	}}
	nonEmptyCheck = check{Summary: "Empty value", Problem: func(s string) string {
		if strings.TrimSpace(s) != "" {
			return ""
		}
		return "The value must not be empty."
	}}
)

// domainProblem checks a Microsoft customer domain: a valid DNS name ending in .onmicrosoft.com.
func domainProblem(s string) string {
	const suffix = ".onmicrosoft.com"
	want := "want the customer's initial domain, e.g. contoso.onmicrosoft.com"
	lower := strings.ToLower(s)
	if !strings.HasSuffix(lower, suffix) || len(lower) == len(suffix) {
		return fmt.Sprintf("%q does not end in .onmicrosoft.com; %s.%s", s, want, spaceHint(s))
	}
	if len(s) > 253 {
		return fmt.Sprintf("%q is longer than 253 characters, too long for a DNS name; %s.", s, want)
	}
	for _, label := range strings.Split(s, ".") {
		if !isDNSLabel(label) {
			return fmt.Sprintf("%q is not a valid DNS name: the label %q must be 1 to 63 letters, digits or inner dashes; %s.", s, label, want)
		}
	}
	return ""
}

// termBillingProblem checks that a billing cycle is offered with a term.
func termBillingProblem(term, billing string) string {
	switch {
	case billing == "triennial" && term != "P3Y":
		return fmt.Sprintf("billing_cycle \"triennial\" is only offered with term_duration \"P3Y\", not %q; use monthly or annual billing, or a P3Y term.", term)
	case billing == "annual" && term == "P1M":
		return "billing_cycle \"annual\" is not offered with term_duration \"P1M\"; a monthly term is billed monthly."
	}
	return ""
}

// providerCheck accepts the names of the providers that serve kind (from the provider table).
func (l *loader) providerCheck(kind string) check {
	names := l.opts.Providers.Serving(kind)
	return check{Summary: "Invalid via", Problem: func(s string) string {
		if slices.Contains(names, s) {
			return ""
		}
		var want []string
		for _, n := range names {
			want = append(want, fmt.Sprintf("%q (%s)", n, l.opts.Providers.Lookup(n).Title))
		}
		return fmt.Sprintf("%q is not a %s provider; want %s.", s, kind, model.List(want, "or"))
	}}
}
