package partnercenter

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Seeds shared by the decoder fuzz targets: real-looking answers and broken ones.
var pcDecodeSeeds = []string{
	``,
	`null`,
	`{}`,
	`[]`,
	`{"totalCount":1,"items":[{"id":"a","offerId":"796b6b5f-613c-4e24-a17c-eba730d49c02","quantity":25,"status":"active","billingCycle":"monthly","commitmentEndDate":"2027-01-31T00:00:00Z","productType":{"id":"OnlineServices"}}],"links":{"next":{"uri":"/v1/customers/c/subscriptions","method":"GET","headers":[{"key":"MS-ContinuationToken","value":"seek:1"}]}}}`,
	`{"id":"s","quantity":-1}`,
	`{"id":"s","quantity":"many"}`,
	`{"id":"s","commitmentEndDate":"not a date"}`,
	`{"currentSubscriptionId":"s","isEligible":false,"errors":[{"code":"SubscriptionIsTrial","description":"trial"}]}`,
	`{"currentSubscriptionId":"s","isEligible":true,"catalogItemId":"CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"}`,
	`{"id":"m","status":"Processing","startedTime":"2026-03-01T12:00:00Z","addOnMigrations":[{"currentSubscriptionId":"a"}]}`,
	`{"items":[{"id":"m"},{"id":""}]}`,
	`{"code":800002,"description":"not eligible","errorName":"SubscriptionIsTrial"}`,
	`{"code":600002,"description":"bad","data":[],"source":"PartnerFD"}`,
	`{"statusCode":429,"message":"Rate limit is exceeded. Try again in 3 seconds."}`,
	`[{"id":"m","status":"processing","addOnMigrations":[]},{"id":"n"}]`,
	`{"code":"Forbidden","message":"no"}`,
	`{"id":"s"} trailing`,
	`{"id":"s"`,
	"\xff\xfe{",
}

// fuzzDecoder checks that a decoder never panics and that what it accepts survives a round trip.
func fuzzDecoder[T any](f *testing.F, decode func(op string, data []byte) (*T, error)) {
	for _, s := range pcDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decode("partnercenter.Fuzz", data)
		if err != nil {
			if v != nil {
				t.Fatalf("value %v returned with error %v", v, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("re-encoding an accepted value: %v", err)
		}
		if _, err := decode("partnercenter.Fuzz", out); err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
	})
}

func FuzzDecodeSubscriptionList(f *testing.F) { fuzzDecoder(f, decodeSubscriptionList) }
func FuzzDecodeSubscription(f *testing.F)     { fuzzDecoder(f, decodeSubscription) }
func FuzzDecodeValidationResult(f *testing.F) { fuzzDecoder(f, decodeValidationResult) }
func FuzzDecodeMigration(f *testing.F)        { fuzzDecoder(f, decodeMigration) }
func FuzzDecodeMigrationList(f *testing.F) {
	fuzzDecoder(f, func(op string, b []byte) (*[]Migration, error) {
		items, _, err := decodeMigrationList(op, b)
		if err != nil {
			return nil, err
		}
		return &items, nil
	})
}

func FuzzDecodeErrorBody(f *testing.F) {
	for _, s := range pcDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		body, ok := decodeErrorBody(data)
		if !ok && !reflect.DeepEqual(body, ErrorBody{}) {
			t.Fatalf("rejected body returned %+v", body)
		}
		if ok && body.Code == 0 && body.Description == "" && body.CodeText == "" {
			t.Fatal("accepted an empty error body")
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name      string
		decode    func([]byte) error
		in        string
		wantField string
		wantErr   bool
	}{
		{"empty", func(b []byte) error { _, err := decodeSubscription("op", b); return err }, ``, "", true},
		{"trailing", func(b []byte) error { _, err := decodeSubscription("op", b); return err }, `{"id":"s"} x`, "", true},
		{"no id", func(b []byte) error { _, err := decodeSubscription("op", b); return err }, `{"status":"active"}`, "id", true},
		{"negative quantity", func(b []byte) error { _, err := decodeSubscriptionList("op", b); return err }, `{"items":[{"id":"a"},{"id":"b","quantity":-1}]}`, "items.1.quantity", true},
		{"bad time", func(b []byte) error { _, err := decodeMigration("op", b); return err }, `{"id":"m","startedTime":"yesterday"}`, "", true},
		{"eligible with errors", func(b []byte) error { _, err := decodeValidationResult("op", b); return err }, `{"isEligible":true,"errors":[{"code":5}]}`, "errors", true},
		{"eligible add-on with errors", func(b []byte) error { _, err := decodeValidationResult("op", b); return err }, `{"isEligible":false,"addOnMigrations":[{"isEligible":true,"errors":[{"code":3}]}]}`, "addOnMigrations.0.errors", true},
		{"empty next link", func(b []byte) error { _, _, err := decodeMigrationList("op", b); return err }, `{"items":[],"links":{"next":{"uri":""}}}`, "links.next.uri", true},
		{"unknown fields are fine", func(b []byte) error { _, err := decodeMigration("op", b); return err }, `{"id":"m","status":"Reverted","brandNew":[1,2]}`, "", false},
		{"null list", func(b []byte) error { _, err := decodeSubscriptionList("op", b); return err }, `null`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			de, ok := err.(*DecodeError)
			if !ok || de.Operation != "op" || de.Field != tt.wantField {
				t.Errorf("err = %#v, want field %q", err, tt.wantField)
			}
		})
	}
}

// FuzzFastSubscriptionList checks that the one-pass decoder of list answers agrees with
// encoding/json: whatever it accepts, encoding/json decodes to the same value.
func FuzzFastSubscriptionList(f *testing.F) {
	for _, s := range pcDecodeSeeds {
		f.Add([]byte(s))
	}
	for _, s := range fastListSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := fastSubscriptionList(data)
		if !ok {
			return
		}
		var want SubscriptionList
		if err := decodeJSON("op", data, &want); err != nil {
			t.Fatalf("the fast decoder accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("decoded %q\nfast:          %#v\nencoding/json: %#v", data, fast, want)
		}
	})
}

// FuzzFastValidationResult checks fastValidationResult against encoding/json, as
// FuzzFastSubscriptionList does for lists.
func FuzzFastValidationResult(f *testing.F) {
	for _, s := range append(append([]string{}, pcDecodeSeeds...), fastValidationSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := fastValidationResult(data)
		if !ok {
			return
		}
		var want ValidationResult
		if err := decodeJSON("op", data, &want); err != nil {
			t.Fatalf("the fast decoder accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("decoded %q\nfast:          %#v\nencoding/json: %#v", data, fast, want)
		}
	})
}

var fastValidationSeeds = []string{
	`{"currentSubscriptionId":"c26a11fa-1a90-51aa-ae5f-31cfc3223567","isEligible":true,"catalogItemId":"CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF"}`,
	`{"currentSubscriptionId":"s","isEligible":false,"termDuration":"P1Y","billingCycle":"Monthly","customTermEndDate":null,"errors":[{"code":5,"description":"no product","extra":{}},{"code":6}],"addOnMigrations":[],"more":[]}`,
	`{"currentSubscriptionId":"s","isEligible":null,"errors":null,"catalogItemId":null,"addOnMigrations":null,"customTermEndDate":"2027-01-31T00:00:00Z"}`,
	`{"currentSubscriptionId":"s","isEligible":"true"}`,
	`{"currentSubscriptionId":"s","isEligible":false,"addOnMigrations":[{"currentSubscriptionId":"a","isEligible":false,"errors":[{"code":3,"description":"promotion"}]}]}`,
	`{"currentSubscriptionId":"s","errors":[{"code":"SubscriptionIsTrial"}]}`,
	`{"currentSubscriptionId":"s","IsEligible":true}`,
	`{"currentSubscriptionId":"s","errors":[null]}`,
}

var fastListSeeds = []string{
	`{"totalCount":2,"items":[{"id":"c26a11fa-1a90-51aa-ae5f-31cfc3223567","offerId":"796b6b5f-613c-4e24-a17c-eba730d49c02","offerName":"Office 365 E3","friendlyName":"Office 365 E3","quantity":5,"unitType":"Licenses","commitmentEndDate":"2027-03-31T00:00:00Z","status":"active","autoRenewEnabled":true,"isTrial":false,"billingCycle":"monthly","termDuration":"P1M","orderId":"9faec264-0e09-5126-b280-2d0d2e2873cd","productType":{"id":"OnlineServicesNCE","displayName":"OnlineServices"}},{"id":"b","parentSubscriptionId":"a","creationDate":"2026-01-02T03:04:05.5+02:00","effectiveStartDate":null,"migratedFromSubscriptionId":"x","links":{"self":{"uri":"/x"}},"attributes":{"etag":"1","objectType":"Subscription"},"actions":[1,2.5e3,-0.1,true,null,"é"]}]}`,
	` {"items":[],"links":{"next":{"uri":"/v1/customers/c/subscriptions?seek=2","method":"GET","headers":[{"key":"MS-ContinuationToken","value":"t"}]}}} `,
	`{"items":null,"links":null,"totalCount":null}`,
	`{"items":[{"id":"a","ID":"b"}]}`,
	`{"items":[{"id":"a","quantity":1.0}]}`,
	`{"items":[{"id":"a","quantity":01}]}`,
	`{"items":[{"id":"a\u00e9"}]}`,
	`{"items":[{"id":"a","id":"b"}]}`,
	`{"items":[{"id":"a","productType":{"id":"x","ID":"y"}}]}`,
	`{"items":[{"id":"a","commitmentEndDate":"2027-13-01T00:00:00Z"}]}`,
	`{"items":[null]}`,
	`{"items":[{"id":"a"}],}`,
	`{"items":[{"id":"a","isTrial":nul}]}`,
}

// TestFastSubscriptionListTakesCommonAnswers checks that the one-pass decoder is the one used for
// the answers the sandbox and Partner Center send (not only a fallback that never applies).
func TestFastSubscriptionListTakesCommonAnswers(t *testing.T) {
	for _, s := range fastListSeeds[:3] {
		if _, ok := fastSubscriptionList([]byte(s)); !ok {
			t.Errorf("fastSubscriptionList refused %s", s)
		}
	}
	for _, s := range fastListSeeds[3:] {
		if _, ok := fastSubscriptionList([]byte(s)); ok {
			t.Errorf("fastSubscriptionList took %s, which encoding/json decodes differently or refuses", s)
		}
	}
	for i, s := range fastValidationSeeds {
		if _, ok := fastValidationResult([]byte(s)); ok != (i < 3) {
			t.Errorf("fastValidationResult(%s): ok = %v", s, ok)
		}
	}
}
