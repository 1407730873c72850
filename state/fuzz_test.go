package state

import (
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// fuzzSnapshot is the snapshot the journal fuzz target replays onto.
const fuzzSnapshot = `{"version":1,"lineage":"l","serial":2,"resources":{"cutover.a":{"addr":"cutover.a","status":"done"}}}`

// fuzzSeeds returns valid journal lines to seed the corpus.
func fuzzSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, r := range []*record{
		{Serial: 3, Op: opIntent, Addr: "cutover.a", Step: "s", Key: "k", Attempt: 1},
		{Serial: 3, Op: opProgress, Addr: "cutover.b", Step: "s", RemoteIDs: map[string]string{"x": "y"}},
		{Serial: 3, Op: opOutcome, Addr: "cutover.a", Step: "s", Failed: true, Error: "e"},
		{Serial: 3, Op: opPut, Addr: "cutover.c", Resource: &Resource{Addr: "cutover.c"}},
		{Serial: 3, Op: opRemove, Addr: "cutover.a"},
		{Serial: 3, Op: opMove, Addr: "cutover.a", To: "cutover.z"},
		{Serial: 1, Op: opRemove, Addr: "cutover.none"},
	} {
		line, err := encodeRecord(r)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, line)
	}
	return out
}

func FuzzOpen(f *testing.F) {
	seeds := fuzzSeeds(f)
	for _, s := range seeds {
		f.Add(s)
		f.Add(s[:len(s)/2])
	}
	f.Add(append(append([]byte{}, seeds[0]...), seeds[4]...))
	f.Add([]byte("\n\n"))
	// A complete last line with a bad checksum (issue 12): warned about and kept in a copy.
	damaged := append([]byte{}, seeds[0]...)
	damaged[len(damaged)-4] ^= 1
	f.Add(damaged)
	f.Fuzz(func(t *testing.T, journal []byte) {
		path := filepath.Join(t.TempDir(), "s.json")
		if err := os.WriteFile(path, []byte(fuzzSnapshot), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".journal", journal, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(path)
		if err != nil {
			return
		}
		// Whatever was accepted must survive a compaction and reopen unchanged.
		want := s.Snapshot()
		warned := len(s.Warnings()) > 0
		if err := s.Compact(); err != nil {
			t.Fatal(err)
		}
		if kept, err := os.ReadFile(path + ".journal.corrupt"); warned && (err != nil || string(kept) != string(journal)) {
			t.Fatalf("a damaged journal was warned about but not kept: %v", err)
		}
		want.Serial++
		re, err := Open(path)
		if err != nil {
			t.Fatalf("reopen after compact: %v", err)
		}
		sameState(t, want, re.Snapshot())
	})
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add([]byte(fuzzSnapshot))
	f.Add([]byte(`{"version":1,"lineage":"l","resources":{"a":{"steps":{"s":null}}}}`))
	f.Add([]byte(`{"version":99}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		snap, err := decodeSnapshot("fuzz", data)
		if err != nil {
			return
		}
		if _, err := encodeSnapshot(snap); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzReplay feeds arbitrary JSON objects, wrapped in valid checksums, through the journal replay,
// so that the fuzzer reaches record decoding and application beyond the checksum.
func FuzzReplay(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s[:len(s)-crcSuffixLen-1], []byte(`{"serial":4,"op":"rm","addr":"cutover.c"`))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var journal []byte
		for _, p := range [][]byte{a, b} {
			payload := append(append([]byte{}, p...), '}')
			line, err := wrapPayload(payload)
			if err != nil {
				return
			}
			journal = append(journal, line...)
		}
		snap, err := decodeSnapshot("fuzz", []byte(fuzzSnapshot))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := replayJournal("fuzz", journal, snap.Serial, snap.Resources); err != nil {
			return
		}
		for addr, r := range snap.Resources {
			if err := validResource(addr, r); err != nil {
				t.Fatalf("replay left an invalid resource: %v", err)
			}
		}
	})
}

// wrapPayload adds the crc field to a JSON object, as encodeRecord does; it fails on payloads that
// contain newlines (a journal line cannot).
func wrapPayload(payload []byte) ([]byte, error) {
	for _, c := range payload {
		if c == '\n' {
			return nil, os.ErrInvalid
		}
	}
	sum := crc32.Checksum(payload, crcTable)
	line := append([]byte{}, payload[:len(payload)-1]...)
	line = fmt.Appendf(line, `,"crc":"%08x"}`, sum)
	return append(line, '\n'), nil
}
