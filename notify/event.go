// Package notify sends the events that notify blocks ask for: a signed JSON webhook or an email
// through SMTP with STARTTLS. Every event is first written to an outbox beside the state (fsync),
// then delivered by a background dispatcher with retries and backoff, and marked delivered; an event
// is queued once per occurrence (its event_id is derived from what happened, so a re-apply after a
// crash derives the same id), and whatever was queued but not delivered is sent by the next run. A
// failing receiver never fails or slows the command beyond its timeout.
package notify

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Event kinds: the names a notify block's events list may hold.
const (
	MigrationCompleted           = "migration_completed"
	ValidationRequirementsNotMet = "validation_requirements_not_met"
	AutoCancellationFailed       = "auto_cancellation_failed"
	AutoCreationFailed           = "auto_creation_failed"
	MicrosoftTimeout             = "microsoft_timeout"
	ApplyFinished                = "apply_finished"
	ChangeFailed                 = "change_failed"
	ChangeBlocked                = "change_blocked"
	CutoverCompleted             = "cutover_completed"
)

// Kinds lists every event kind, in the order the docs give them.
func Kinds() []string {
	return []string{MigrationCompleted, ValidationRequirementsNotMet, AutoCancellationFailed, AutoCreationFailed,
		MicrosoftTimeout, ApplyFinished, ChangeFailed, ChangeBlocked, CutoverCompleted}
}

// KnownKind reports whether k is an event kind.
func KnownKind(k string) bool { return slices.Contains(Kinds(), k) }

// PayloadType and FormatVersion are the "type" and "format_version" of every payload.
const (
	PayloadType   = "notification"
	FormatVersion = "1.0"
)

// Event is one occurrence of something a receiver may want to hear about. Its JSON form is the
// webhook body (docs/notifications.md).
type Event struct {
	Type          string `json:"type"`
	FormatVersion string `json:"format_version"`
	// ID is stable for the occurrence: the same event derived again (after a crash, by a re-apply)
	// has the same ID, so receivers can de-duplicate.
	ID    string    `json:"event_id"`
	Event string    `json:"event"`
	Time  time.Time `json:"time"`
	RunID string    `json:"run_id"`
	// Address and Provider name the instance (empty for apply_finished).
	Address  string `json:"address,omitempty"`
	Provider string `json:"provider,omitempty"`
	// Message says what happened, in a sentence.
	Message string `json:"message"`
	// Data holds the event's own fields (docs/notifications.md).
	Data map[string]any `json:"data,omitempty"`
}

// New makes an event of kind whose ID is derived from the state's lineage, the kind and the parts
// that identify the occurrence (an address, a remote ID, an attempt…).
func New(kind, lineage string, parts ...string) Event {
	ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://ferry.dev/notify"))
	name := lineage + "\x00" + kind + "\x00" + strings.Join(parts, "\x00")
	return Event{Type: PayloadType, FormatVersion: FormatVersion, ID: uuid.NewSHA1(ns, []byte(name)).String(), Event: kind}
}

// Body is the JSON payload of e.
func (e Event) Body() ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	return b, nil
}

// Receiver is a notify block: the events it wants and where they go (one of Webhook, Email).
type Receiver struct {
	Name    string
	Events  []string
	Webhook *Webhook
	Email   *Email
}

// Wants reports whether r asked for events of kind.
func (r *Receiver) Wants(kind string) bool { return slices.Contains(r.Events, kind) }

// Timeout is how long one delivery attempt to r may take.
func (r *Receiver) Timeout() time.Duration {
	var t time.Duration
	switch {
	case r.Webhook != nil:
		t = r.Webhook.Timeout
	case r.Email != nil:
		t = r.Email.Timeout
	}
	if t <= 0 {
		return DefaultTimeout
	}
	return t
}

// DefaultTimeout bounds one delivery attempt when the block sets no timeout.
const DefaultTimeout = 10 * time.Second

// Webhook is a webhook { url, secret_env, timeout } block.
type Webhook struct {
	URL string
	// SecretEnv names the environment variable holding the HMAC key ("" = unsigned).
	SecretEnv string
	Timeout   time.Duration
}

// Email is an email { to, from, smtp, timeout } block; the SMTP credentials come from
// FERRY_SMTP_USERNAME and FERRY_SMTP_PASSWORD.
type Email struct {
	To      []string
	From    string
	SMTP    string // host:port
	Timeout time.Duration
}

// Environment variables of the SMTP credentials.
const (
	EnvSMTPUsername = "FERRY_SMTP_USERNAME"
	EnvSMTPPassword = "FERRY_SMTP_PASSWORD"
)

// SecretEnv lists the environment variables whose values the receivers use as secrets (to redact).
func SecretEnv(rs []Receiver) []string {
	out := []string{EnvSMTPPassword}
	for _, r := range rs {
		if r.Webhook != nil && r.Webhook.SecretEnv != "" {
			out = append(out, r.Webhook.SecretEnv)
		}
	}
	return out
}
