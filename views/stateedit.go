package views

import (
	"fmt"
	"io"
)

// TypeStateEdit is the "type" of the line ferry state rm, ferry state mv and ferry import print with
// --json.
const TypeStateEdit = "state_edit"

// StateEdit is what a command that edits the state did: the entries it removed, moved or imported.
type StateEdit struct {
	Header
	// Command is "state rm", "state mv" or "import".
	Command string `json:"command"`
	// Edits are the entries changed, in order.
	Edits []StateEditItem `json:"edits"`
}

// StateEditItem is one entry changed: op "remove" (Address), "move" (Address → To) or "import"
// (the remote ID recorded at Address).
type StateEditItem struct {
	Op      string `json:"op"`
	Address string `json:"address"`
	To      string `json:"to,omitempty"`
	ID      string `json:"id,omitempty"`
}

// NewStateEdit starts the report of command.
func NewStateEdit(command string) *StateEdit {
	return &StateEdit{Header: header(TypeStateEdit), Command: command, Edits: []StateEditItem{}}
}

// WriteStateEdit writes e as text (one sentence per entry) or, when asJSON, as one JSON line.
func WriteStateEdit(w io.Writer, e *StateEdit, asJSON bool) error {
	if asJSON {
		return writeJSON(w, e, false)
	}
	for _, it := range e.Edits {
		var err error
		switch it.Op {
		case "remove":
			_, err = fmt.Fprintf(w, "Removed %s from the state (nothing remote was touched).\n", EscapeLines(it.Address))
		case "move":
			_, err = fmt.Fprintf(w, "Moved %s to %s.\n", EscapeLines(it.Address), EscapeLines(it.To))
		case "import":
			_, err = fmt.Fprintf(w, "Imported %s as %s.\n", EscapeLines(it.ID), EscapeLines(it.Address))
		}
		if err != nil {
			return err
		}
	}
	return nil
}
