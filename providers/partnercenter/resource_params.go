package partnercenter

import (
	"encoding/json"
	"fmt"

	"github.com/ferry-dev/ferry/model"
)

// StepParams is the payload of this provider's steps (model.Step.Params). It is written by Plan
// into the plan file and read back by Do and Reconcile, so every field is plain data.
type StepParams struct {
	// CustomerID is the customer tenant ID.
	CustomerID string `json:"customer_id"`
	// LegacySubscriptionID is the legacy subscription being migrated.
	LegacySubscriptionID string `json:"legacy_subscription_id"`
	// MigrationID, on await_migration, is the migration to wait for when Plan already knew it;
	// empty means the newest migration of the legacy subscription.
	MigrationID string `json:"migration_id,omitempty"`
	// AddonSubscriptionIDs are the legacy add-ons migrated with the base, to report their successors.
	AddonSubscriptionIDs []string `json:"addon_subscription_ids,omitempty"`
	// Request, on migrate, is the full migration request; Do sets externalReferenceId to the key.
	Request *MigrationRequest `json:"request,omitempty"`
	// Schedule, on schedule, is the schedule to create; Do sets externalReferenceId to the key.
	Schedule *MigrationSchedule `json:"schedule,omitempty"`
	// ScheduleID, on cancel_schedule, is the schedule to cancel.
	ScheduleID string `json:"schedule_id,omitempty"`
}

func encodeParams(p StepParams) []byte {
	b, err := json.Marshal(p)
	if err != nil {
		// StepParams holds only strings, ints, bools and times: Marshal cannot fail on it.
		return nil
	}
	return b
}

func decodeParams(step model.Step) (StepParams, error) {
	var p StepParams
	if len(step.Params) == 0 {
		return p, fmt.Errorf("step %s of %s has no parameters", step.Name, step.Addr)
	}
	if err := json.Unmarshal(step.Params, &p); err != nil {
		return p, fmt.Errorf("decoding parameters of step %s of %s: %w", step.Name, step.Addr, err)
	}
	if p.CustomerID == "" || p.LegacySubscriptionID == "" {
		return p, fmt.Errorf("step %s of %s: parameters lack customer_id or legacy_subscription_id", step.Name, step.Addr)
	}
	if step.Name == StepMigrate && p.Request == nil {
		return p, fmt.Errorf("step %s of %s: parameters lack the migration request", step.Name, step.Addr)
	}
	return p, nil
}
