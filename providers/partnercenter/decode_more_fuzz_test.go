package partnercenter

import (
	"testing"

	"github.com/ferry-dev/ferry/model"
)

// Decoders of remote answers (schedules, migration events) and of plan-file step parameters: any
// bytes give a value or an error, never a panic, and an error is never returned with a value.

var scheduleSeeds = []string{
	`{"id":"s1","currentSubscriptionId":"a","targetDate":"2027-01-31","migrateOnRenewal":false,"status":"Created","errorCode":0}`,
	`{"id":"s1","targetDate":"2027-01-31T00:00:00Z","errorCode":"x"}`,
	`[{"id":"s1"},{"id":""}]`,
	`{"items":[{"id":"s1","status":"Failed","errorCode":12,"errorDescription":"not aligned"}],"links":{"next":{"uri":"/v1/x"}}}`,
	`{"items":[{"eventName":"NewCommerceSubscriptionCreated","migrationId":"m","timestamp":"2026-03-01T00:00:00Z"}]}`,
	`[{"eventName":7}]`,
	`{"id":"s1","targetDate":1e999}`,
}

func FuzzDecodeSchedule(f *testing.F) {
	for _, s := range append(scheduleSeeds, pcDecodeSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decodeSchedule("partnercenter.Fuzz", data)
		if err != nil && v != nil {
			t.Fatalf("value %v returned with error %v", v, err)
		}
		items, links, err := decodeScheduleList("partnercenter.Fuzz", data)
		if err != nil && (items != nil || links != nil) {
			t.Fatalf("values returned with error %v", err)
		}
	})
}

func FuzzDecodeMigrationEvents(f *testing.F) {
	for _, s := range append(scheduleSeeds, pcDecodeSeeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, links, err := decodeMigrationEvents("partnercenter.Fuzz", data)
		if err != nil && (items != nil || links != nil) {
			t.Fatalf("values returned with error %v", err)
		}
	})
}

// FuzzDecodeParams: a step's parameters as a plan file or the journal holds them.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{``, `null`, `{}`, `{"customer_id":"c","legacy_subscription_id":"s","quantity":5}`,
		`{"quantity":"5"}`, `{"addons":[{"migrate_from":1}]}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodeParams(model.Step{Name: "migrate", Params: data})
	})
}
