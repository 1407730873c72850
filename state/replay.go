package state

import (
	"bytes"
	"fmt"
)

// replayResult is what replaying a journal found.
type replayResult struct {
	// serial is the serial of the last record applied (the base serial if none was).
	serial uint64
	// validLen is the byte length of the journal up to the end of its last valid line; anything
	// after it is a torn write, cut off before the next append.
	validLen int64
	// records counts the valid lines (applied or skipped).
	records int
	// damaged, when not nil, is why the journal's last line — complete, ending in a newline, so not
	// a torn write — could not be decoded (a bad checksum); damagedLine is its line number. The line
	// is left out like a torn write, but warned about and kept as evidence before it is cut.
	damaged     error
	damagedLine int
}

// replayJournal applies the journal content data to res, which holds a snapshot of serial base.
// Records with a serial at or below base are already in the snapshot (a crash between a
// compaction's rename and its journal truncation) and are skipped; the others must follow each
// other without gaps. A last line that is torn (no newline, or garbled) is ignored; a bad line
// before it is an error naming the file and line. name is used in errors.
func replayJournal(name string, data []byte, base uint64, res map[string]*Resource) (replayResult, error) {
	out := replayResult{serial: base}
	started := false
	for off, lineNo := 0, 1; off < len(data); lineNo++ {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			break // torn tail: the write of the last line never finished
		}
		end := off + i + 1
		last := end == len(data)
		rec, err := decodeRecord(data[off : off+i])
		if err != nil {
			if last {
				// A complete last line that does not decode: left out, as a torn write would be, but
				// reported (Store.Warnings) and kept in a copy before the journal is cut.
				out.damaged, out.damagedLine = err, lineNo
				break
			}
			return out, fmt.Errorf("state journal %s: line %d: %w; the journal is damaged before its last line (see docs/state.md, recovery)", name, lineNo, err)
		}
		switch {
		case !started && rec.Serial <= base:
			// Already part of the snapshot.
		case rec.Serial != out.serial+1:
			return out, fmt.Errorf("state journal %s: line %d: serial %d does not follow serial %d; the journal does not belong to this snapshot",
				name, lineNo, rec.Serial, out.serial)
		default:
			if err := applyRecord(res, rec); err != nil {
				return out, fmt.Errorf("state journal %s: line %d: %w", name, lineNo, err)
			}
			started = true
			out.serial = rec.Serial
		}
		out.records++
		out.validLen = int64(end)
		off = end
	}
	return out, nil
}
