package partnercenter

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// fastSubscriptionList decodes a subscription list answer in one pass, without reflection: Read
// lists every customer's subscriptions, and encoding/json (which also decodes each item twice, see
// Subscription.UnmarshalJSON) was the largest cost of a plan. It handles the answers Partner Center
// and the sandbox send: plain strings, integers, booleans, dates, null and unknown fields of any
// shape. ok is false for anything it does not decode exactly as encoding/json would (escaped or
// invalid strings, keys that match a field only case-insensitively, a field given twice, a value
// of another type, malformed JSON, …); the caller then decodes with encoding/json, so the value and
// the errors are the same either way. FuzzFastSubscriptionList checks that.
func fastSubscriptionList(data []byte) (v SubscriptionList, ok bool) {
	s := &scan{b: data}
	ok = s.object(listFields, func(f int) bool {
		switch f {
		case 0: // totalCount
			n, ok := s.integer()
			if ok && n.set {
				v.TotalCount = n.v
			}
			return ok
		case 1: // items
			if s.null() {
				v.Items = nil
				return true
			}
			if !s.byte('[') {
				return false
			}
			items := make([]Subscription, 0, 8)
			if s.byte(']') {
				v.Items = items
				return true
			}
			for {
				var sub Subscription
				if !s.subscription(&sub) {
					return false
				}
				items = append(items, sub)
				if s.byte(']') {
					v.Items = items
					return true
				}
				if !s.byte(',') {
					return false
				}
			}
		case 2: // links
			if s.null() {
				v.Links = nil
				return true
			}
			return s.links(&v.Links)
		}
		return false
	})
	s.ws()
	return v, ok && s.i == len(s.b)
}

// The JSON names of the fields fastSubscriptionList decodes, in the order of its switches.
var (
	listFields = []string{"totalCount", "items", "links"}
	subFields  = []string{"id", "entitlementId", "offerId", "offerName", "friendlyName", "quantity", "unitType",
		"parentSubscriptionId", "creationDate", "effectiveStartDate", "commitmentEndDate", "status",
		"autoRenewEnabled", "isTrial", "billingType", "billingCycle", "termDuration", "orderId", "contractType",
		"migratedFromSubscriptionId", "promotionId", "productType"}
	productTypeFields = []string{"id", "displayName"}
	linksFields       = []string{"next"}
	linkFields        = []string{"uri", "method", "headers"}
	pairFields        = []string{"key", "value"}
)

func (s *scan) subscription(sub *Subscription) bool {
	return s.object(subFields, func(f int) bool {
		switch f {
		case 5:
			n, ok := s.integer()
			if ok && n.set {
				sub.Quantity = n.v
			}
			return ok
		case 8, 9, 10:
			t, ok := s.date()
			if ok {
				switch f {
				case 8:
					sub.CreationDate = t
				case 9:
					sub.EffectiveStartDate = t
				default:
					sub.CommitmentEndDate = t
				}
			}
			return ok
		case 12, 13:
			b, ok := s.boolean()
			if ok && b.set {
				if f == 12 {
					sub.AutoRenewEnabled = b.v
				} else {
					sub.IsTrial = b.v
				}
			}
			return ok
		case 21:
			if s.null() {
				sub.ProductType = nil
				return true
			}
			pt := &ProductType{}
			sub.ProductType = pt
			return s.object(productTypeFields, func(f int) bool {
				if f == 0 {
					return s.str(&pt.ID)
				}
				return s.str(&pt.DisplayName)
			})
		}
		dst := [...]*string{0: &sub.ID, 1: &sub.EntitlementID, 2: &sub.OfferID, 3: &sub.OfferName, 4: &sub.FriendlyName,
			6: &sub.UnitType, 7: &sub.ParentSubscriptionID, 11: &sub.Status, 14: &sub.BillingType, 15: &sub.BillingCycle,
			16: &sub.TermDuration, 17: &sub.OrderID, 18: &sub.ContractType, 19: &sub.MigratedFromSubscriptionID,
			20: &sub.PromotionID}
		if f < len(dst) && dst[f] != nil {
			return s.str(dst[f])
		}
		return false
	})
}

func (s *scan) links(dst **ResourceLinks) bool {
	l := &ResourceLinks{}
	*dst = l
	return s.object(linksFields, func(int) bool {
		if s.null() {
			l.Next = nil
			return true
		}
		next := &Link{}
		l.Next = next
		return s.object(linkFields, func(f int) bool {
			switch f {
			case 0:
				return s.str(&next.URI)
			case 1:
				return s.str(&next.Method)
			}
			if s.null() {
				next.Headers = nil
				return true
			}
			if !s.byte('[') {
				return false
			}
			hs := []KeyValuePair{}
			if !s.byte(']') {
				for {
					var kv KeyValuePair
					if !s.object(pairFields, func(f int) bool {
						if f == 0 {
							return s.str(&kv.Key)
						}
						return s.str(&kv.Value)
					}) {
						return false
					}
					hs = append(hs, kv)
					if s.byte(']') {
						break
					}
					if !s.byte(',') {
						return false
					}
				}
			}
			next.Headers = hs
			return true
		})
	})
}

// scan reads JSON from b at i. Its methods skip leading whitespace and return false when the input
// is not what they handle.
type scan struct {
	b []byte
	i int
}

func (s *scan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// byte consumes c if it comes next.
func (s *scan) byte(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// null consumes a null literal if it comes next.
func (s *scan) null() bool {
	s.ws()
	if strings.HasPrefix(string(s.b[s.i:min(s.i+4, len(s.b))]), "null") {
		s.i += 4
		return true
	}
	return false
}

// object reads an object whose known keys are fields: value(f) reads the value of fields[f]. An
// unknown key's value is skipped; a key equal to a field only case-insensitively (encoding/json
// would take it), or a field given twice, is refused. null is refused too (callers that accept it
// check first).
func (s *scan) object(fields []string, value func(f int) bool) bool {
	if !s.byte('{') {
		return false
	}
	if s.byte('}') {
		return true
	}
	var seen uint64
	for {
		s.ws()
		key, ok := s.rawString()
		if !ok || !s.byte(':') {
			return false
		}
		f := -1
		for j, name := range fields {
			if string(key) == name {
				f = j
				break
			}
			if strings.EqualFold(string(key), name) {
				return false
			}
		}
		if f >= 0 {
			if seen&(1<<f) != 0 {
				return false
			}
			seen |= 1 << f
			if !value(f) {
				return false
			}
		} else if !s.skip(0) {
			return false
		}
		if s.byte('}') {
			return true
		}
		if !s.byte(',') {
			return false
		}
	}
}

// rawString reads a string with no escapes and valid UTF-8 and returns its bytes (unquoted).
func (s *scan) rawString() ([]byte, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	ascii := true
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case c == '"':
			raw := s.b[start:j]
			if !ascii && !utf8.Valid(raw) {
				return nil, false
			}
			s.i = j + 1
			return raw, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// str reads a string into dst; null leaves dst as it is (as encoding/json does).
func (s *scan) str(dst *string) bool {
	if s.null() {
		return true
	}
	raw, ok := s.rawString()
	if ok {
		*dst = string(raw)
	}
	return ok
}

type optInt struct {
	v   int
	set bool
}

// integer reads a plain integer (no fraction or exponent); null reads as not set.
func (s *scan) integer() (optInt, bool) {
	if s.null() {
		return optInt{}, true
	}
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || (n > 1 && s.b[digits] == '0') {
		return optInt{}, false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return optInt{}, false
		}
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, strconv.IntSize)
	if err != nil {
		return optInt{}, false
	}
	return optInt{v: int(v), set: true}, true
}

type optBool struct{ v, set bool }

// boolean reads true or false; null reads as not set.
func (s *scan) boolean() (optBool, bool) {
	switch {
	case s.null():
		return optBool{}, true
	case strings.HasPrefix(string(s.b[s.i:min(s.i+4, len(s.b))]), "true"):
		s.i += 4
		return optBool{v: true, set: true}, true
	case strings.HasPrefix(string(s.b[s.i:min(s.i+5, len(s.b))]), "false"):
		s.i += 5
		return optBool{set: true}, true
	}
	return optBool{}, false
}

// date reads a date as *time.Time does in encoding/json (RFC 3339); null reads as nil.
func (s *scan) date() (*time.Time, bool) {
	if s.null() {
		return nil, true
	}
	start := s.i
	if _, ok := s.rawString(); !ok {
		return nil, false
	}
	t := new(time.Time)
	if err := t.UnmarshalJSON(s.b[start:s.i]); err != nil {
		return nil, false
	}
	return t, true
}

// skip passes over one well-formed JSON value of any kind.
func (s *scan) skip(depth int) bool {
	if depth > 64 {
		return false
	}
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		s.i++
		if s.byte('}') {
			return true
		}
		for {
			s.ws()
			if _, ok := s.rawString(); !ok || !s.byte(':') || !s.skip(depth+1) {
				return false
			}
			if s.byte('}') {
				return true
			}
			if !s.byte(',') {
				return false
			}
		}
	case c == '[':
		s.i++
		if s.byte(']') {
			return true
		}
		for {
			if !s.skip(depth + 1) {
				return false
			}
			if s.byte(']') {
				return true
			}
			if !s.byte(',') {
				return false
			}
		}
	case c == '"':
		_, ok := s.rawString()
		return ok
	case c == 't' || c == 'f' || c == 'n':
		if s.null() {
			return true
		}
		_, ok := s.boolean()
		return ok
	default:
		return s.number()
	}
}

// number passes over a JSON number.
func (s *scan) number() bool {
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	start := s.i
	if n := digits(); n == 0 || (n > 1 && s.b[start] == '0') {
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// fastValidationResult decodes a validation answer in one pass, as fastSubscriptionList does a
// list (Read validates every subscription it would migrate); ok false means: use encoding/json
// (which it also does for an answer with add-on eligibilities).
func fastValidationResult(data []byte) (v ValidationResult, ok bool) {
	s := &scan{b: data}
	ok = s.object(validationFields, func(f int) bool {
		switch f {
		case 0:
			return s.str(&v.CurrentSubscriptionID)
		case 1:
			b, ok := s.boolean()
			if ok && b.set {
				v.IsEligible = b.v
			}
			return ok
		case 2:
			return s.str(&v.CatalogItemID)
		case 3:
			return s.str(&v.TermDuration)
		case 4:
			return s.str(&v.BillingCycle)
		case 5:
			t, ok := s.date()
			if ok {
				v.CustomTermEndDate = t
			}
			return ok
		case 6: // addOnMigrations: only an empty one is decoded here
			if s.null() {
				v.AddOnMigrations = nil
				return true
			}
			if !s.byte('[') || !s.byte(']') {
				return false
			}
			v.AddOnMigrations = []ValidationResult{}
			return true
		}
		if s.null() {
			v.Errors = nil
			return true
		}
		if !s.byte('[') {
			return false
		}
		errs := []ValidationError{}
		if !s.byte(']') {
			for {
				var e ValidationError
				if !s.object(validationErrorFields, func(f int) bool {
					if f == 0 {
						n, ok := s.integer()
						if ok && n.set {
							e.Code = n.v
						}
						return ok
					}
					return s.str(&e.Description)
				}) {
					return false
				}
				errs = append(errs, e)
				if s.byte(']') {
					break
				}
				if !s.byte(',') {
					return false
				}
			}
		}
		v.Errors = errs
		return true
	})
	s.ws()
	return v, ok && s.i == len(s.b)
}

var (
	validationFields = []string{"currentSubscriptionId", "isEligible", "catalogItemId", "termDuration", "billingCycle",
		"customTermEndDate", "addOnMigrations", "errors"}
	validationErrorFields = []string{"code", "description"}
)
