package partnercenter

import (
	"encoding/json"
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
func FuzzDecodeMigrationList(f *testing.F)    { fuzzDecoder(f, decodeMigrationList) }

func FuzzDecodeErrorBody(f *testing.F) {
	for _, s := range pcDecodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		body, ok := decodeErrorBody(data)
		if !ok && body != (ErrorBody{}) {
			t.Fatalf("rejected body returned %+v", body)
		}
		if ok && body.Code == 0 && body.Description == "" && body.ErrorName == "" {
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
		{"eligible with errors", func(b []byte) error { _, err := decodeValidationResult("op", b); return err }, `{"isEligible":true,"errors":[{"code":"x"}]}`, "errors", true},
		{"empty next link", func(b []byte) error { _, err := decodeMigrationList("op", b); return err }, `{"items":[],"links":{"next":{"uri":""}}}`, "links.next.uri", true},
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
