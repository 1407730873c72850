package partnercenter

import (
	"testing"
	"time"
)

// TestScheduleListDocumentedExample decodes the answer of Microsoft's "Get a new commerce migration
// schedule" example: a targetDate without a time zone and the status "Created", which is pending.
func TestScheduleListDocumentedExample(t *testing.T) {
	ss, links, err := decodeScheduleList(OpListSchedules, readFixture(t, "schedules_list.json"))
	if err != nil || links != nil || len(ss) != 1 {
		t.Fatalf("schedules = %+v, %v, %v", ss, links, err)
	}
	s := ss[0]
	if want := time.Date(2022, 10, 30, 0, 0, 0, 0, time.UTC); s.TargetDate == nil || !s.TargetDate.Equal(want) {
		t.Errorf("targetDate = %v, want %v", s.TargetDate, want)
	}
	if s.CreatedTime == nil || s.CreatedTime.Year() != 2022 || s.LastModifiedTime == nil || s.SubscriptionEndDate == nil {
		t.Errorf("times = %v %v %v", s.CreatedTime, s.LastModifiedTime, s.SubscriptionEndDate)
	}
	if !s.Pending() || s.When() != "on 2022-10-30" || s.Quantity != 25 || s.CustomerTenantID == "" {
		t.Errorf("schedule = %+v, pending %v, when %q", s, s.Pending(), s.When())
	}
	if _, err := decodeSchedule(OpCreateSchedule, []byte(`{"id":"x","currentSubscriptionId":"y","targetDate":"soon"}`)); err == nil {
		t.Error("a targetDate that is no date decoded")
	}
}
