package providers

import (
	"errors"
	"fmt"
	"io"
)

// ErrAnswerTooLarge is an answer longer than a client reads: the rest is not read, and asking
// again would get the same answer, so a read is not retried.
var ErrAnswerTooLarge = errors.New("answer too large")

// ReadAnswer reads all of r up to limit bytes. A longer answer stops being read at the limit and is
// an error wrapping ErrAnswerTooLarge that names the limit (with what was read).
func ReadAnswer(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err == nil && int64(len(data)) > limit {
		return data[:limit], fmt.Errorf("%w: larger than %s, the most ferry reads of one answer", ErrAnswerTooLarge, sizeText(limit))
	}
	return data, err
}

// sizeText is n bytes as "8 MiB" when a whole number of MiB, or "N bytes".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// MaxListBytes bounds the answers of all the pages of one list read together: each page is bounded
// by itself, but a server that keeps sending full pages (10 000 pages of 8 MiB) would otherwise
// have ferry keep gigabytes of rows.
const MaxListBytes = 256 << 20

// ListTooLarge is the error of a list read whose pages together passed MaxListBytes after pages
// pages; it wraps ErrAnswerTooLarge.
func ListTooLarge(pages int) error {
	return fmt.Errorf("%w: the list's %d pages are larger than %s together, the most ferry reads of one list",
		ErrAnswerTooLarge, pages, sizeText(MaxListBytes))
}
