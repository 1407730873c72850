package state

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// Journal operations, the value of a record's "op" field.
const (
	opIntent   = "intent"
	opProgress = "progress"
	opOutcome  = "outcome"
	opPut      = "put"
	opRemove   = "rm"
	opMove     = "mv"
)

// record is one journal line. Each op uses a subset of the fields; the rest are omitted.
type record struct {
	Serial uint64    `json:"serial"`
	Op     string    `json:"op"`
	Addr   string    `json:"addr"`
	Time   time.Time `json:"time,omitzero"`

	Step     string `json:"step,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Provider string `json:"provider,omitempty"`
	Attempt  int    `json:"attempt,omitempty"`
	Key      string `json:"key,omitempty"`

	RemoteIDs  map[string]string `json:"remote_ids,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Failed     bool              `json:"failed,omitempty"`
	Error      string            `json:"error,omitempty"`
	Status     string            `json:"status,omitempty"`

	Resource *Resource `json:"resource,omitempty"` // put
	Final    *Resource `json:"final,omitempty"`    // outcome: the change's final entry (see StepOutcome.Final)
	To       string    `json:"to,omitempty"`       // mv
}

// crcTable is the Castagnoli polynomial table (hardware-accelerated on most CPUs). It is never
// modified after initialisation.
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// crcSuffixLen is the length of `,"crc":"xxxxxxxx"}` that closes every journal line.
const crcSuffixLen = len(`,"crc":"`) + 8 + len(`"}`)

// encodeRecord renders r as one journal line: the record's JSON object with a last field "crc"
// holding the CRC-32C of the object as it would be without that field, and a trailing newline.
func encodeRecord(r *record) ([]byte, error) {
	payload, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode journal record: %w", err)
	}
	sum := crc32.Checksum(payload, crcTable)
	line := make([]byte, 0, len(payload)+crcSuffixLen+1)
	line = append(line, payload[:len(payload)-1]...)
	line = fmt.Appendf(line, `,"crc":"%08x"}`, sum)
	return append(line, '\n'), nil
}

// errChecksum reports a journal line whose checksum does not match its content.
var errChecksum = errors.New("checksum mismatch")

// decodeRecord parses one journal line (without its newline) and verifies its checksum.
func decodeRecord(line []byte) (*record, error) {
	n := len(line)
	if n < crcSuffixLen+2 || line[0] != '{' || !bytes.HasPrefix(line[n-crcSuffixLen:], []byte(`,"crc":"`)) ||
		!bytes.HasSuffix(line, []byte(`"}`)) {
		return nil, errors.New("not a journal record (no trailing crc field)")
	}
	var want [4]byte
	hexSum := line[n-crcSuffixLen+len(`,"crc":"`) : n-2]
	if _, err := hex.Decode(want[:], hexSum); err != nil {
		return nil, fmt.Errorf("bad crc field: %w", err)
	}
	payload := make([]byte, 0, n-crcSuffixLen+1)
	payload = append(payload, line[:n-crcSuffixLen]...)
	payload = append(payload, '}')
	got := crc32.Checksum(payload, crcTable)
	if got != uint32(want[0])<<24|uint32(want[1])<<16|uint32(want[2])<<8|uint32(want[3]) {
		return nil, errChecksum
	}
	var r record
	if err := json.Unmarshal(payload, &r); err != nil {
		return nil, fmt.Errorf("decode record: %w", err)
	}
	return &r, nil
}
